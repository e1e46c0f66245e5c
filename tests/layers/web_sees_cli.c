/* Must not compile: web/ may not see cli/ (it never prints). */
#include "cli.h"
