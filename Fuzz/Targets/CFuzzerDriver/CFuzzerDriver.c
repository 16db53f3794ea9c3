// The module is only a header; SwiftPM needs one source file to build a C target.
#include "CFuzzerDriver.h"
