/* Must not compile: crypto/ may not see capture/. */
#include "store.h"
