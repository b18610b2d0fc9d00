#ifndef CZEROGAPLAPACK_SHIM_H
#define CZEROGAPLAPACK_SHIM_H
// The one door to C: OpenBLAS (CBLAS) and the reference LAPACKE wrapper, both from Debian.
#include <cblas.h>
#include <lapacke.h>
#endif
