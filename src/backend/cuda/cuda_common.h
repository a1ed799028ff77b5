/*
 * cuda_common.h - what every .cu file of the engine shares: the checked-call
 * macros, the device context struct dn_cuda, launch helpers and the small
 * generic kernels of src/backend/cuda/kernels.cu. C++ (nvcc) only; C code
 * talks to the device through src/core/network_gpu.h.
 *
 * Errors: every CUDA, cuBLAS and cuDNN call goes through CUDA_CHECK /
 * CUBLAS_CHECK / CUDNN_CHECK, which print the expression, function,
 * file:line and the library's error string, then abort (dn_abort). Every
 * kernel launch is followed by KERNEL_CHECK(), which also synchronises and
 * re-checks when built with -DDN_CUDA_SYNC (make DEBUG=1), so an
 * asynchronous fault is reported at the launch that caused it.
 *
 * All work is queued on ctx->stream; kernels run in launch order, so the
 * shared scratch buffers below (workspace, reduction partials) can be reused
 * by consecutive launches without further synchronisation.
 */
#ifndef DN_CUDA_COMMON_H
#define DN_CUDA_COMMON_H

#include <cublas_v2.h>
#include <cuda_runtime.h>
#ifdef CUDNN
#include <cudnn.h>
#endif

extern "C" {
#include "../../core/activations.h"
#include "../../core/network.h"
#include "../../core/network_gpu.h"
#include "../../core/utils.h"
}

#define CUDA_CHECK(x)                                                                              \
    do {                                                                                           \
        cudaError_t e_ = (x);                                                                      \
        if (e_ != cudaSuccess)                                                                     \
            dn_abort(__FILE__, __LINE__, __func__, "CUDA error in %s: %s (%s)", #x,                 \
                     cudaGetErrorString(e_), cudaGetErrorName(e_));                                \
    } while (0)

#define CUBLAS_CHECK(x)                                                                            \
    do {                                                                                           \
        cublasStatus_t s_ = (x);                                                                   \
        if (s_ != CUBLAS_STATUS_SUCCESS)                                                           \
            dn_abort(__FILE__, __LINE__, __func__, "cuBLAS error in %s: %s (%d)", #x,               \
                     cublasGetStatusString(s_), (int)s_);                                          \
    } while (0)

#ifdef CUDNN
#define CUDNN_CHECK(x)                                                                             \
    do {                                                                                           \
        cudnnStatus_t s_ = (x);                                                                    \
        if (s_ != CUDNN_STATUS_SUCCESS)                                                            \
            dn_abort(__FILE__, __LINE__, __func__, "cuDNN error in %s: %s (%d)", #x,                \
                     cudnnGetErrorString(s_), (int)s_);                                            \
    } while (0)
#endif

/* Kernels launched by this process: ours (counted by KERNEL_CHECK) plus one
 * per cuBLAS gemm and cuDNN convolution call (DN_COUNT_LIBRARY_CALL; such a
 * call launches one or more kernels). Read by cuda_launch_count(). */
extern unsigned long long cuda_launches;
#define DN_COUNT_LIBRARY_CALL() (cuda_launches++)

#ifdef DN_CUDA_SYNC
#define KERNEL_CHECK()                                                                             \
    do {                                                                                           \
        cuda_launches++;                                                                        \
        CUDA_CHECK(cudaGetLastError());                                                            \
        CUDA_CHECK(cudaDeviceSynchronize());                                                       \
    } while (0)
#else
#define KERNEL_CHECK()                                                                             \
    do {                                                                                           \
        cuda_launches++;                                                                        \
        CUDA_CHECK(cudaGetLastError());                                                            \
    } while (0)
#endif

/* One cached cuDNN algorithm choice per convolution shape (conv_algo.cu). */
struct dn_conv_algo {
    int key[9];                    /* B, C, H, W, F, k, s, p, G */
    int fwd, bwd_data, bwd_filter; /* cudnnConvolution*Algo_t values */
    int math[3];                   /* cudnnMathType_t each of the three runs with */
    int det[3];                    /* 1: cuDNN says deterministic */
    size_t ws_bytes;               /* largest workspace of the three */
};

struct dn_cuda {
    int device;
    int use_cudnn; /* 0: convolution through im2col + cuBLAS */
    int tf32;      /* TF32 tensor-core math allowed */
    int cudnn_benchmark; /* 1: cuDNN's timed search picks the fastest algorithms (conv_algo.cu) */
    char desc[224];
    cudaStream_t stream;
    cublasHandle_t blas;
#ifdef CUDNN
    cudnnHandle_t dnn;
#endif
    /* shared scratch, sized during attach by cuda_reserve_*; read the
     * pointers at run time (a later layer's reservation may move them) */
    void *workspace;
    size_t workspace_bytes;
    double *red; /* channel-reduction partials */
    size_t red_n;
    float *loss; /* device scalar: the loss of the running forward */
    /* arenas: all layer outputs, all deltas (+ net->delta), all learned
     * parameters (weights first, then biases) with their grads and momenta,
     * all BN statistics */
    float *outputs, *deltas;
    size_t deltas_n;
    float *pval, *pgrad, *pmom, *pstat;
    size_t pn, pn_weights;
    int input_pinned;
    /* fed: input_gpu/truth_gpu hold a batch rendered by cuda_net_feed_u8
     * that the next forward uses (the u8 buffers are the feeder's) */
    int fed;
    struct dn_conv_algo *algos;
    int nalgos;
};

static inline struct dn_cuda *cuda_ctx(const struct network *net) { return net->cuda; }

/* Launch geometry: grid-stride loops over n elements with 256 threads. */
#define DN_THREADS 256
static inline unsigned cuda_grid(size_t n)
{
    size_t g = (n + DN_THREADS - 1) / DN_THREADS;
    if (g < 1) g = 1;
    if (g > 65535) g = 65535;
    return (unsigned)g;
}
#define GRID_STRIDE(i, n)                                                                          \
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (size_t)(n);                \
         i += (size_t)blockDim.x * gridDim.x)
/* The same with 32-bit indices, for kernels that divide indices (64-bit
 * integer division is emulated on GPUs); cuda_n32() checks n on the host. */
#define GRID_STRIDE32(i, n)                                                                        \
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)(n); i += blockDim.x * gridDim.x)
static inline unsigned cuda_n32(size_t n)
{
    DN_ASSERT(n <= 0x7fffffffu);
    return (unsigned)n;
}

/* activations.h's functions on the device: f(x) (act_value), f'(x) from
 * y = f(x) (act_slope; NaN for swish and mish, which need x), f'(x) from x
 * (act_grad); softplus with Darknet's threshold 20 (act_softplus) */
__device__ static inline float act_softplus_f(float x)
{
    if (x > 20.0f) return x;
    if (x < -20.0f) return expf(x);
    return log1pf(expf(x));
}

__device__ static inline float act_f(float x, int a)
{
    switch (a) {
    case ACT_RELU: return x > 0 ? x : 0;
    case ACT_LEAKY: return x > 0 ? x : 0.1f * x;
    case ACT_LOGISTIC: return 1.0f / (1.0f + expf(-x));
    case ACT_RELU6: return x > 0 ? (x < 6 ? x : 6.0f) : 0.0f;
    case ACT_RAMP: return x > 0 ? x + 0.1f * x : 0.1f * x;
    case ACT_SWISH: return x * (1.0f / (1.0f + expf(-x)));
    case ACT_MISH: return x * tanhf(act_softplus_f(x));
    default: return x;
    }
}

__device__ static inline float act_df(float y, int a)
{
    switch (a) {
    case ACT_RELU: return y > 0 ? 1.0f : 0.0f;
    case ACT_LEAKY: return y > 0 ? 1.0f : 0.1f;
    case ACT_LOGISTIC: return y * (1.0f - y);
    case ACT_RELU6: return y > 0 && y < 6 ? 1.0f : 0.0f;
    case ACT_RAMP: return y > 0 ? 1.1f : 0.1f;
    case ACT_SWISH:
    case ACT_MISH: return NAN; /* not a function of y (act_dx) */
    default: return 1.0f;
    }
}

__device__ static inline float act_dx(float x, int a)
{
    switch (a) {
    case ACT_SWISH: {
        float s = 1.0f / (1.0f + expf(-x));
        return s + x * s * (1.0f - s);
    }
    case ACT_MISH: {
        float sp = act_softplus_f(x), t = tanhf(sp), dsp = -expm1f(-sp);
        return t + x * (1.0f - t * t) * dsp;
    }
    default: return act_df(act_f(x, a), a);
    }
}

/* A context on device `device` (DN_CUDA_* flags of network_gpu.h; DN_TF32=1
 * in the environment allows TF32 too): stream, handles, the loss scalar. */
struct dn_cuda *cuda_context_new(int device, int flags);
/* Free it with its scratch (workspace, reduction partials, algorithm cache);
 * the runner frees the network's arenas first. */
void cuda_context_free(struct dn_cuda *ctx);
#ifdef CUDNN
/* The cuDNN algorithms of one convolution shape, key = {B, C, H, W, F, k, s,
 * p}, from ctx's cache or chosen now (conv_algo.cu; leaves cd's math type
 * set to the last choice's: set a->math[i] before running pass i). */
void cuda_conv_algo_choose(struct dn_cuda *ctx, const int key[9], cudnnTensorDescriptor_t xd,
                         cudnnFilterDescriptor_t wd, cudnnConvolutionDescriptor_t cd, cudnnTensorDescriptor_t yd,
                         struct dn_conv_algo *a);
#endif

/* Scratch (attach time only). */
void cuda_reserve_workspace(struct dn_cuda *ctx, size_t bytes);
/* Room for the partial sums of a per-channel reduction over (B, C, S). */
void cuda_reserve_reduce(struct dn_cuda *ctx, int B, int C, int S);
/* Zeroed device array of n floats (n may be 0: returns NULL). */
float *cuda_alloc(size_t n);
void cuda_free(void *p);

/* Row-major gemm with the CPU gemm's arguments (src/backend/cpu/gemm.h):
 * C(M,N) = alpha op(A) op(B) + beta C. */
void cuda_gemm(struct dn_cuda *ctx, int ta, int tb, int M, int N, int K, float alpha, const float *A,
              int lda, const float *B, int ldb, float beta, float *C, int ldc);

/* Element-wise, as activations.h: x = f(x); delta *= f'(y) (not for
 * swish, mish); y = f(x) with x kept (activate_keep); delta *= f'(x) from x
 * (gradient_from_input). */
void cuda_activate(struct dn_cuda *ctx, float *x, size_t n, enum dn_act a);
void cuda_gradient(struct dn_cuda *ctx, const float *y, size_t n, enum dn_act a, float *delta);
void cuda_activate_keep(struct dn_cuda *ctx, const float *x, float *y, size_t n, enum dn_act a);
void cuda_gradient_from_input(struct dn_cuda *ctx, const float *x, size_t n, enum dn_act a, float *delta);
/* y += x */
void cuda_add(struct dn_cuda *ctx, size_t n, const float *x, float *y);
/* y = a + b */
void cuda_sum(struct dn_cuda *ctx, size_t n, const float *a, const float *b, float *y);
/* y = x (device to device) */
void cuda_copy(struct dn_cuda *ctx, size_t n, const float *x, float *y);
void cuda_zero(struct dn_cuda *ctx, size_t n, float *y);
/* y (B, C, S) += bias[c] */
void cuda_bias_add(struct dn_cuda *ctx, float *y, const float *bias, int B, int C, int S);
/* grad[c] += sum over b, s of dy (B, C, S) */
void cuda_bias_grad(struct dn_cuda *ctx, const float *dy, float *grad, int B, int C, int S);
/* out[r] = mean of x[r*S .. r*S+S-1] for rows r < R */
void cuda_row_mean(struct dn_cuda *ctx, const float *x, int R, int S, float *out);

/*
 * Per-channel sums over (B, C, S): for every channel c, in double,
 *   sums[2c]   = sum over b, s of x
 *   sums[2c+1] = sum of x*y (y given) or of x*x (y NULL).
 * Deterministic (fixed partition, fixed summation order). Writes P partials
 * per channel to ctx->red and returns P: use cuda_chan_total() in a kernel to
 * add them up.
 */
int cuda_chan_partials(struct dn_cuda *ctx, const float *x, const float *y, int B, int C, int S);
/* The same for x = dy after first applying an activation's gradient in
 * place: dy *= f'(out) (cuda_gradient fused into the reduction's read). */
int cuda_chan_partials_grad(struct dn_cuda *ctx, float *dy, const float *y, const float *out, enum dn_act act, int B,
                           int C, int S);
__device__ static inline void cuda_chan_total(const double *red, int P, int c, double *a, double *b)
{
    double s = 0, t = 0;
    for (int p = 0; p < P; p++) {
        s += red[((size_t)c * P + p) * 2];
        t += red[((size_t)c * P + p) * 2 + 1];
    }
    *a = s, *b = t;
}

/* Block-wide reductions for blockDim.x <= 1024 (a multiple of 32); every
 * thread of the block must call them; all threads get the result. */
__device__ static inline double cuda_block_sum(double v)
{
    __shared__ double part[32];
    __shared__ double total;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads(); /* part/total may still be read by a previous call */
    if (lane == 0) part[warp] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        double s = 0;
        for (int w = 0; w < (int)(blockDim.x + 31) / 32; w++) s += part[w];
        total = s;
    }
    __syncthreads();
    return total;
}

__device__ static inline float cuda_block_max(float v)
{
    __shared__ float part[32];
    __shared__ float total;
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, o));
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) part[warp] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        float m = part[0];
        for (int w = 1; w < (int)(blockDim.x + 31) / 32; w++) m = fmaxf(m, part[w]);
        total = m;
    }
    __syncthreads();
    return total;
}

#endif
