/*
 * emu.cpp - the emulator's runtime (see stub/emu_cuda.h): memory and
 * copies, a column-major reference sgemm that checks its leading
 * dimensions, and block execution.
 *
 * A kernel marked as synchronising (cu2cpp.py marks those whose body calls
 * __syncthreads, a warp shuffle or a cuda_block_* reduction) runs each block
 * as blockDim cooperative fibers (ucontext): every fiber runs to its next
 * barrier, then the next fiber; when all live fibers have arrived, the
 * round repeats. A shuffle is two barriers around a slot exchange. Other
 * kernels run their threads as plain calls, one after another.
 */
#include "stub/emu_cuda.h"
dim3 threadIdx, blockIdx, blockDim, gridDim;
static int last_err;
const char *cudaGetErrorString(cudaError_t e) { return e ? "emu error" : "no error"; }
const char *cudaGetErrorName(cudaError_t e) { return e ? "emuError" : "cudaSuccess"; }
cudaError_t cudaMalloc(void **p, size_t n) { *p = malloc(n ? n : 1); memset(*p, 0xff, n); return 0; } /* NaN bytes */
cudaError_t cudaFree(void *p) { free(p); return 0; }
cudaError_t cudaMemset(void *p, int v, size_t n) { memset(p, v, n); return 0; }
cudaError_t cudaMemsetAsync(void *p, int v, size_t n, cudaStream_t) { memset(p, v, n); return 0; }
cudaError_t cudaMemcpy(void *d, const void *s, size_t n, cudaMemcpyKind) { memmove(d, s, n); return 0; }
cudaError_t cudaMemcpyAsync(void *d, const void *s, size_t n, cudaMemcpyKind, cudaStream_t) { memmove(d, s, n); return 0; }
cudaError_t cudaStreamCreate(cudaStream_t *s) { *s = (cudaStream_t)malloc(1); return 0; }
cudaError_t cudaStreamDestroy(cudaStream_t s) { free(s); return 0; }
cudaError_t cudaStreamSynchronize(cudaStream_t) { return 0; }
cudaError_t cudaDeviceSynchronize() { return 0; }
cudaError_t cudaMallocHost(void **p, size_t n) { *p = malloc(n ? n : 1); return 0; }
cudaError_t cudaFreeHost(void *p) { free(p); return 0; }
cudaError_t cudaHostRegister(void *, size_t, unsigned) { return 0; }
cudaError_t cudaHostUnregister(void *) { return 0; }
cudaError_t cudaGetDeviceCount(int *n) { *n = 1; return 0; }
cudaError_t cudaSetDevice(int) { return 0; }
cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int) { strcpy(p->name, "CPU emulator"); p->major = 9; p->minor = 0; p->totalGlobalMem = 1ull << 30; return 0; }
cudaError_t cudaGetLastError() { int e = last_err; last_err = 0; return e; }
cublasStatus_t cublasCreate(cublasHandle_t *h) { *h = (cublasHandle_t)malloc(1); return 0; }
cublasStatus_t cublasDestroy(cublasHandle_t h) { free(h); return 0; }
cublasStatus_t cublasSetStream(cublasHandle_t, cudaStream_t) { return 0; }
cublasStatus_t cublasSetMathMode(cublasHandle_t, cublasMath_t) { return 0; }
const char *cublasGetStatusString(cublasStatus_t) { return "emu"; }
cublasStatus_t cublasSgemm(cublasHandle_t, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const float *alpha, const float *A, int lda, const float *B, int ldb, const float *beta,
                           float *C, int ldc)
{
    /* column-major; leading dimensions checked as cuBLAS does */
    if (lda < (ta == CUBLAS_OP_N ? m : k) || ldb < (tb == CUBLAS_OP_N ? k : n) || ldc < m) {
        fprintf(stderr, "cublasSgemm: bad leading dimension m=%d n=%d k=%d lda=%d ldb=%d ldc=%d ta=%d tb=%d\n", m, n, k, lda, ldb, ldc, ta, tb);
        abort();
    }
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int p = 0; p < k; p++) {
                float a = ta == CUBLAS_OP_N ? A[i + (size_t)p * lda] : A[p + (size_t)i * lda];
                float b = tb == CUBLAS_OP_N ? B[p + (size_t)j * ldb] : B[j + (size_t)p * ldb];
                s += (double)a * b;
            }
            float &c = C[i + (size_t)j * ldc];
            c = *alpha * (float)s + (*beta == 0 ? 0.0f : *beta * c);
        }
    return 0;
}

/* ---- block execution ---- */
static bool in_sync_kernel;
static int nthreads, live;
static std::vector<ucontext_t> ctxs;
static std::vector<char *> stacks;
static std::vector<int> done;
static ucontext_t sched;
static int cur;
static const std::function<void()> *kfn;
static std::vector<unsigned char> slots;

static void fiber_main()
{
    (*kfn)();
    done[cur] = 1;
    swapcontext(&ctxs[cur], &sched);
}

void __syncthreads()
{
    if (!in_sync_kernel) { fprintf(stderr, "emu: __syncthreads in a kernel not marked sync\n"); abort(); }
    swapcontext(&ctxs[cur], &sched);
}

void emu_exchange(const void *v, void *out, int size, int delta)
{
    if (!in_sync_kernel) { fprintf(stderr, "emu: shuffle in a kernel not marked sync\n"); abort(); }
    if (slots.size() < (size_t)nthreads * 8) slots.resize((size_t)nthreads * 8);
    int t = cur;
    memcpy(&slots[(size_t)t * 8], v, size);
    swapcontext(&ctxs[cur], &sched); /* barrier */
    int lane = t & 31, src = t + delta;
    if (lane + delta < 32 && src < nthreads) memcpy(out, &slots[(size_t)src * 8], size);
    else memcpy(out, v, size);
    swapcontext(&ctxs[cur], &sched); /* barrier before the slots are reused */
}

static unsigned long launches;
void emu_launch(dim3 grid, dim3 block, bool sync, const std::function<void()> &fn)
{
    launches++;
    gridDim = grid, blockDim = block;
    int nt = block.x * block.y * block.z;
    if (nt > 1024 || nt < 1) { fprintf(stderr, "emu: bad block size %d\n", nt); abort(); }
    if (grid.y > 65535 || grid.z > 65535) { fprintf(stderr, "emu: bad grid %u %u %u\n", grid.x, grid.y, grid.z); abort(); }
    for (unsigned bz = 0; bz < grid.z; bz++)
        for (unsigned by = 0; by < grid.y; by++)
            for (unsigned bx = 0; bx < grid.x; bx++) {
                blockIdx = dim3(bx, by, bz);
                if (!sync) {
                    for (int t = 0; t < nt; t++) {
                        threadIdx = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
                        fn();
                    }
                    continue;
                }
                in_sync_kernel = true;
                nthreads = nt;
                kfn = &fn;
                if ((int)ctxs.size() < nt) {
                    ctxs.resize(nt);
                    while ((int)stacks.size() < nt) stacks.push_back((char *)malloc(1 << 16));
                }
                done.assign(nt, 0);
                for (int t = 0; t < nt; t++) {
                    getcontext(&ctxs[t]);
                    ctxs[t].uc_stack.ss_sp = stacks[t];
                    ctxs[t].uc_stack.ss_size = 1 << 16;
                    ctxs[t].uc_link = &sched;
                    makecontext(&ctxs[t], fiber_main, 0);
                }
                for (;;) {
                    int any = 0;
                    for (int t = 0; t < nt; t++) {
                        if (done[t]) continue;
                        cur = t;
                        threadIdx = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
                        swapcontext(&sched, &ctxs[t]);
                        any = 1;
                    }
                    if (!any) break;
                }
                in_sync_kernel = false;
            }
}
