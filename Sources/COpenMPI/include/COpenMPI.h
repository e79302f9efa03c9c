// COpenMPI: the few Open MPI calls RewardKit uses, loaded at run time.
//
// Nothing here links against MPI at build time: rk_mpi_load() opens libmpi.so.40 (Open MPI 4.x)
// with dlopen(RTLD_NOW | RTLD_GLOBAL) — Open MPI's plugins need its symbols global — and looks up
// each function with dlsym. MPI_COMM_WORLD, MPI_DOUBLE, MPI_BYTE and MPI_SUM are, in Open MPI, the
// addresses of the exported globals ompi_mpi_comm_world, ompi_mpi_double, ompi_mpi_byte and
// ompi_mpi_op_sum; they are looked up the same way. A machine without Open MPI builds and runs
// everything else; rk_mpi_load() then fails with the loader's message.
#ifndef REWARDKIT_COPENMPI_H
#define REWARDKIT_COPENMPI_H

#include <stddef.h>

/// Loads libmpi (once). Returns 0 on success; otherwise nonzero with the reason in `error`.
int rk_mpi_load(char *error, size_t error_capacity);
/// MPI_Init(NULL, NULL) unless MPI is already initialized. Returns the MPI error code (0 = success).
int rk_mpi_init(void);
/// MPI_Comm_rank / MPI_Comm_size of MPI_COMM_WORLD.
int rk_mpi_rank(int *rank);
int rk_mpi_size(int *size);
/// In-place MPI_Allreduce(MPI_SUM) of `count` doubles over MPI_COMM_WORLD.
int rk_mpi_allreduce_sum_doubles(double *values, int count);
/// MPI_Bcast of `count` bytes from `root` over MPI_COMM_WORLD.
int rk_mpi_bcast_bytes(void *bytes, int count, int root);
/// MPI_Barrier(MPI_COMM_WORLD).
int rk_mpi_barrier(void);
/// MPI_Abort(MPI_COMM_WORLD, code): ends every process of the job.
void rk_mpi_abort(int code);
/// MPI_Finalize() if initialized and not yet finalized.
int rk_mpi_finalize(void);
/// MPI_Wtime().
double rk_mpi_wtime(void);

#endif
