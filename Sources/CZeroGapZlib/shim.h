#ifndef CZEROGAPZLIB_SHIM_H
#define CZEROGAPZLIB_SHIM_H
// The one door to zlib (Debian's zlib1g-dev): raw-deflate inflation and CRC-32 for .npz archives.
#include <zlib.h>
#endif
