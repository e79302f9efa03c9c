#include "COpenMPI.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

// Open MPI's handles are pointers to opaque structs; the shim treats them as void *, which has
// the same calling convention.
typedef void *rk_handle;

static int (*p_init)(int *, char ***);
static int (*p_initialized)(int *);
static int (*p_finalized)(int *);
static int (*p_comm_rank)(rk_handle, int *);
static int (*p_comm_size)(rk_handle, int *);
static int (*p_allreduce)(const void *, void *, int, rk_handle, rk_handle, rk_handle);
static int (*p_bcast)(void *, int, rk_handle, int, rk_handle);
static int (*p_barrier)(rk_handle);
static int (*p_abort)(rk_handle, int);
static int (*p_finalize)(void);
static double (*p_wtime)(void);
static rk_handle comm_world, type_double, type_byte, op_sum;
static int loaded = 0;

#define RK_MPI_IN_PLACE ((void *)1)

static void *lookup(void *library, const char *name, char *error, size_t capacity, int *failed) {
    void *symbol = dlsym(library, name);
    if (!symbol && !*failed) {
        snprintf(error, capacity, "libmpi.so.40 has no symbol %s (Open MPI 4.x is needed)", name);
        *failed = 1;
    }
    return symbol;
}

int rk_mpi_load(char *error, size_t capacity) {
    if (loaded) return 0;
    void *library = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        const char *reason = dlerror();
        snprintf(error, capacity, "cannot load Open MPI (%s); install libopenmpi-dev openmpi-bin", reason ? reason : "libmpi.so.40 not found");
        return 1;
    }
    int failed = 0;
    *(void **)&p_init = lookup(library, "MPI_Init", error, capacity, &failed);
    *(void **)&p_initialized = lookup(library, "MPI_Initialized", error, capacity, &failed);
    *(void **)&p_finalized = lookup(library, "MPI_Finalized", error, capacity, &failed);
    *(void **)&p_comm_rank = lookup(library, "MPI_Comm_rank", error, capacity, &failed);
    *(void **)&p_comm_size = lookup(library, "MPI_Comm_size", error, capacity, &failed);
    *(void **)&p_allreduce = lookup(library, "MPI_Allreduce", error, capacity, &failed);
    *(void **)&p_bcast = lookup(library, "MPI_Bcast", error, capacity, &failed);
    *(void **)&p_barrier = lookup(library, "MPI_Barrier", error, capacity, &failed);
    *(void **)&p_abort = lookup(library, "MPI_Abort", error, capacity, &failed);
    *(void **)&p_finalize = lookup(library, "MPI_Finalize", error, capacity, &failed);
    *(void **)&p_wtime = lookup(library, "MPI_Wtime", error, capacity, &failed);
    comm_world = lookup(library, "ompi_mpi_comm_world", error, capacity, &failed);
    type_double = lookup(library, "ompi_mpi_double", error, capacity, &failed);
    type_byte = lookup(library, "ompi_mpi_byte", error, capacity, &failed);
    op_sum = lookup(library, "ompi_mpi_op_sum", error, capacity, &failed);
    if (failed) return 1;
    loaded = 1;
    return 0;
}

int rk_mpi_init(void) {
    int flag = 0;
    p_initialized(&flag);
    if (flag) return 0;
    return p_init(NULL, NULL);
}

int rk_mpi_rank(int *rank) { return p_comm_rank(comm_world, rank); }
int rk_mpi_size(int *size) { return p_comm_size(comm_world, size); }

int rk_mpi_allreduce_sum_doubles(double *values, int count) {
    return p_allreduce(RK_MPI_IN_PLACE, values, count, type_double, op_sum, comm_world);
}

int rk_mpi_bcast_bytes(void *bytes, int count, int root) { return p_bcast(bytes, count, type_byte, root, comm_world); }

int rk_mpi_barrier(void) { return p_barrier(comm_world); }

void rk_mpi_abort(int code) {
    if (loaded) p_abort(comm_world, code);
}

int rk_mpi_finalize(void) {
    if (!loaded) return 0;
    int initialized = 0, finalized = 0;
    p_initialized(&initialized);
    p_finalized(&finalized);
    if (!initialized || finalized) return 0;
    return p_finalize();
}

double rk_mpi_wtime(void) { return loaded ? p_wtime() : 0; }
