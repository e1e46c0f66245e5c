/* Must not compile: capture/ may not see sync/. */
#include "bundle.h"
