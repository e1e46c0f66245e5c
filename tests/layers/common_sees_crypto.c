/* Must not compile: common/ may not see crypto/. */
#include "age.h"
