/* Must not compile: sync/ may not see hub/. */
#include "hub.h"
