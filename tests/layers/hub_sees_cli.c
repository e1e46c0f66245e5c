/* Must not compile: hub/ may not see cli/. */
#include "cli.h"
