#ifndef REWARDKIT_COPENBLAS_SHIM_H
#define REWARDKIT_COPENBLAS_SHIM_H
// OpenBLAS's cblas.h (from libopenblas-dev; pkg-config adds its include folder)
// also declares openblas_get_corename / openblas_get_num_threads.
#include <cblas.h>
#include <lapacke.h>
#endif
