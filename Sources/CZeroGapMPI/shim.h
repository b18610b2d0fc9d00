#ifndef CZEROGAPMPI_SHIM_H
#define CZEROGAPMPI_SHIM_H
// The one door to MPI (Open MPI from Debian: libopenmpi-dev). Open MPI's handles (MPI_COMM_WORLD, MPI_DOUBLE,
// MPI_SUM, MPI_IN_PLACE) are macros over globals that Swift cannot import, so the few calls ZeroGap needs are
// wrapped here as plain functions on MPI_COMM_WORLD. Each returns the MPI error code (MPI_SUCCESS = 0).
#include <mpi.h>

static inline int zg_mpi_initialized(void) { int flag = 0; MPI_Initialized(&flag); return flag; }
static inline int zg_mpi_finalized(void) { int flag = 0; MPI_Finalized(&flag); return flag; }
static inline int zg_mpi_init(void) {
  // Errors return codes instead of aborting, so the caller can report them in one line.
  int rc = MPI_Init(NULL, NULL);
  if (rc == MPI_SUCCESS) MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  return rc;
}
static inline int zg_mpi_finalize(void) { return MPI_Finalize(); }
static inline int zg_mpi_rank(void) { int r = 0; MPI_Comm_rank(MPI_COMM_WORLD, &r); return r; }
static inline int zg_mpi_size(void) { int s = 1; MPI_Comm_size(MPI_COMM_WORLD, &s); return s; }
static inline int zg_mpi_allreduce_sum(double *buffer, int count) {
  return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}
static inline int zg_mpi_allreduce_max(double *buffer, int count) {
  return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
}
static inline int zg_mpi_broadcast(double *buffer, int count, int root) {
  return MPI_Bcast(buffer, count, MPI_DOUBLE, root, MPI_COMM_WORLD);
}
static inline int zg_mpi_broadcast_bytes(unsigned char *buffer, int count, int root) {
  return MPI_Bcast(buffer, count, MPI_BYTE, root, MPI_COMM_WORLD);
}
static inline int zg_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static inline int zg_mpi_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }
#endif
