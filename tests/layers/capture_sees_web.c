/* Must not compile: capture/ may not see web/ (the page face sits on capture). */
#include "web.h"
