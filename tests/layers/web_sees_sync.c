/* Must not compile: web/ sits on capture only; it may not see sync/. */
#include "bundle.h"
