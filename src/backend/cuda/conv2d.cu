/*
 * conv2d.cu - the CUDA twin of the convolution op (src/ops/conv2d.h):
 * conv2d_*_gpu with conv2d_forward/backward's contract (out =, dw +=,
 * din += unless NULL). Two paths (three with depthwise):
 *   cuDNN (CUDNN=1 builds, unless the context turned it off): NCHW float
 *     descriptors, cross-correlation, cuDNN's group count for groups (the
 *     filter descriptor then has C/G input channels). The forward,
 *     backward-data and backward-filter algorithms are chosen once per
 *     shape (groups included) and cached in the context
 *     (src/backend/cuda/conv_algo.cu: reproducible, deterministic FP32 FMA
 *     algorithms by default). The shared workspace is sized for the
 *     largest choice. Backward uses beta = 1 to accumulate.
 *   im2col + cuBLAS otherwise: the CPU algorithm. The whole batch is
 *     unfolded side by side into (C*k*k, B*OH*OW) columns, one gemm with the
 *     (F, C*k*k) weights, a transpose back to NCHW; backward unfolds again
 *     for dw and folds W^T*dout back with a gather kernel (each input pixel
 *     sums the columns that read it: no atomics). With G groups the
 *     columns are the same (group j's C/G channels are rows j*K..,
 *     K = C/G*k*k) and there is one gemm per group: filters
 *     [j*F/G, (j+1)*F/G) times group j's rows (as src/backend/cpu/conv2d.c).
 *     Depthwise (G = C = F), where that would be C gemms of one filter,
 *     direct kernels instead: one thread per output (forward) or input
 *     pixel (input gradient, a gather), and one block per weight for the
 *     weight gradient (a block reduction in a fixed order: deterministic).
 */
#include <string.h>

#include "../../ops/conv2d.h"
#include "cuda_common.h"

struct conv2d_gpu {
    struct conv_geom g;
    int use_cudnn;
#ifdef CUDNN
    cudnnTensorDescriptor_t xd, yd;
    cudnnFilterDescriptor_t wd;
    cudnnConvolutionDescriptor_t cd;
    struct dn_conv_algo algo;
#endif
};

/* ---- im2col path ---- */

/* cols (C*k*k, B*OH*OW): row (c*k + kh)*k + kw, column b*OH*OW + oy*OW + ox */
__global__ static void im2col_kernel(const float *in, struct conv_geom g, float *cols)
{
    unsigned ohw = g.OH * g.OW, N = g.B * ohw, total = g.C * g.k * g.k * N;
    GRID_STRIDE32(i, total)
    {
        unsigned row = i / N, col = i - row * N;
        int kw = row % g.k, kh = (row / g.k) % g.k, c = row / (g.k * g.k);
        unsigned b = col / ohw;
        int j = col - b * ohw, oy = j / g.OW, ox = j - oy * g.OW;
        int y = oy * g.s - g.p + kh, x = ox * g.s - g.p + kw;
        cols[i] = (y >= 0 && y < g.H && x >= 0 && x < g.W) ? in[(((size_t)b * g.C + c) * g.H + y) * g.W + x] : 0.0f;
    }
}

/* din (B, C, H, W) += fold(cols): each input pixel gathers the columns that
 * read it, i.e. every (kh, kw) with y = oy*s - p + kh, x = ox*s - p + kw. */
__global__ static void col2im_kernel(const float *cols, struct conv_geom g, float *din)
{
    unsigned ohw = g.OH * g.OW, N = g.B * ohw, total = g.B * g.C * g.H * g.W;
    GRID_STRIDE32(i, total)
    {
        unsigned x = i % g.W, yb = i / g.W, y = yb % g.H, cb = yb / g.H, c = cb % g.C, b = cb / g.C;
        float sum = 0;
        for (int kh = 0; kh < g.k; kh++) {
            int ty = (int)y + g.p - kh;
            if (ty < 0 || ty % g.s) continue;
            int oy = ty / g.s;
            if (oy >= g.OH) continue;
            for (int kw = 0; kw < g.k; kw++) {
                int tx = (int)x + g.p - kw;
                if (tx < 0 || tx % g.s) continue;
                int ox = tx / g.s;
                if (ox >= g.OW) continue;
                size_t row = ((size_t)c * g.k + kh) * g.k + kw;
                sum += cols[row * N + b * ohw + oy * g.OW + ox];
            }
        }
        din[i] += sum;
    }
}

/* to_nchw: out (B, F, OHW) = tmp (F, B*OHW); otherwise the inverse */
__global__ static void fbs_transpose_kernel(const float *src, float *dst, unsigned B, unsigned F, unsigned ohw,
                                            int to_nchw)
{
    unsigned total = B * F * ohw;
    GRID_STRIDE32(i, total)
    {
        unsigned j = i % ohw, fb = i / ohw, f = fb % F, b = fb / F; /* i indexes (B, F, OHW) */
        unsigned t = (f * B + b) * ohw + j;                         /* index in (F, B, OHW) */
        if (to_nchw) dst[i] = src[t];
        else dst[t] = src[i];
    }
}

static void im2col_forward(struct dn_cuda *ctx, const struct conv_geom *g, const float *in, const float *w, float *out)
{
    /* K: the rows of one group's columns, fg: its filters */
    size_t ohw = (size_t)g->OH * g->OW, N = (size_t)g->B * ohw, K = (size_t)(g->C / g->G) * g->k * g->k;
    size_t fg = (size_t)(g->F / g->G);
    float *cols = (float *)ctx->workspace, *tmp = cols + g->G * K * N;
    im2col_kernel<<<cuda_grid(g->G * K * N), DN_THREADS, 0, ctx->stream>>>(in, *g, cols);
    KERNEL_CHECK();
    for (int j = 0; j < g->G; j++)
        cuda_gemm(ctx, 0, 0, (int)fg, (int)N, (int)K, 1, w + j * fg * K, (int)K, cols + j * K * N, (int)N, 0,
                  tmp + j * fg * N, (int)N);
    fbs_transpose_kernel<<<cuda_grid((size_t)g->F * N), DN_THREADS, 0, ctx->stream>>>(tmp, out, g->B, g->F, ohw, 1);
    KERNEL_CHECK();
}

static void im2col_backward(struct dn_cuda *ctx, const struct conv_geom *g, const float *in, const float *w,
                            const float *dout, float *dw, float *din)
{
    size_t ohw = (size_t)g->OH * g->OW, N = (size_t)g->B * ohw, K = (size_t)(g->C / g->G) * g->k * g->k;
    size_t fg = (size_t)(g->F / g->G);
    float *cols = (float *)ctx->workspace, *dtmp = cols + g->G * K * N;
    fbs_transpose_kernel<<<cuda_grid((size_t)g->F * N), DN_THREADS, 0, ctx->stream>>>(dout, dtmp, g->B, g->F, ohw, 0);
    KERNEL_CHECK();
    im2col_kernel<<<cuda_grid(g->G * K * N), DN_THREADS, 0, ctx->stream>>>(in, *g, cols);
    KERNEL_CHECK();
    /* per group: dw_j += dout_j cols_j^T, then (with din) cols_j = w_j^T dout_j */
    for (int j = 0; j < g->G; j++) {
        float *cj = cols + j * K * N;
        const float *dj = dtmp + j * fg * N;
        cuda_gemm(ctx, 0, 1, (int)fg, (int)K, (int)N, 1, dj, (int)N, cj, (int)N, 1, dw + j * fg * K, (int)K);
        if (din) cuda_gemm(ctx, 1, 0, (int)K, (int)N, (int)fg, 1, w + j * fg * K, (int)K, dj, (int)N, 0, cj, (int)N);
    }
    if (!din) return;
    size_t nin = (size_t)g->B * g->C * g->H * g->W;
    col2im_kernel<<<cuda_grid(nin), DN_THREADS, 0, ctx->stream>>>(cols, *g, din);
    KERNEL_CHECK();
}

/* ---- depthwise kernels (G = C = F, no cuDNN) ---- */

static int is_depthwise(const struct conv_geom *g) { return g->G > 1 && g->G == g->C && g->G == g->F; }

/* out (B, C, OH, OW) = sum over taps of w[c][kh][kw] * in[b][c][oy*s - p + kh][ox*s - p + kw] */
__global__ static void dw_forward_kernel(const float *in, const float *w, struct conv_geom g, float *out)
{
    unsigned total = g.B * g.C * g.OH * g.OW;
    GRID_STRIDE32(i, total)
    {
        int ox = i % g.OW, oy = (i / g.OW) % g.OH;
        unsigned bc = i / (g.OW * g.OH);
        const float *im = in + (size_t)bc * g.H * g.W, *wc = w + (size_t)(bc % g.C) * g.k * g.k;
        float sum = 0;
        for (int kh = 0; kh < g.k; kh++) {
            int y = oy * g.s - g.p + kh;
            if (y < 0 || y >= g.H) continue;
            for (int kw = 0; kw < g.k; kw++) {
                int x = ox * g.s - g.p + kw;
                if (x >= 0 && x < g.W) sum += wc[kh * g.k + kw] * im[y * g.W + x];
            }
        }
        out[i] = sum;
    }
}

/* din (B, C, H, W) += each input pixel gathers the outputs that read it */
__global__ static void dw_backward_data_kernel(const float *dout, const float *w, struct conv_geom g, float *din)
{
    unsigned total = g.B * g.C * g.H * g.W;
    GRID_STRIDE32(i, total)
    {
        int x = i % g.W, y = (i / g.W) % g.H;
        unsigned bc = i / (g.W * g.H);
        const float *d = dout + (size_t)bc * g.OH * g.OW, *wc = w + (size_t)(bc % g.C) * g.k * g.k;
        float sum = 0;
        for (int kh = 0; kh < g.k; kh++) {
            int ty = y + g.p - kh;
            if (ty < 0 || ty % g.s) continue;
            int oy = ty / g.s;
            if (oy >= g.OH) continue;
            for (int kw = 0; kw < g.k; kw++) {
                int tx = x + g.p - kw;
                if (tx < 0 || tx % g.s) continue;
                int ox = tx / g.s;
                if (ox < g.OW) sum += wc[kh * g.k + kw] * d[oy * g.OW + ox];
            }
        }
        din[i] += sum;
    }
}

/* dw (C, k, k) += sum over b, oy, ox of dout * in: one block per weight
 * (block-stride over the C*k*k weights), its threads over B*OH*OW */
__global__ static void dw_backward_filter_kernel(const float *in, const float *dout, struct conv_geom g, float *dw)
{
    unsigned nw = g.C * g.k * g.k, ohw = g.OH * g.OW, n = g.B * ohw;
    for (unsigned t = blockIdx.x; t < nw; t += gridDim.x) {
        int kw = t % g.k, kh = (t / g.k) % g.k, c = t / (g.k * g.k);
        double sum = 0;
        for (unsigned j = threadIdx.x; j < n; j += blockDim.x) {
            unsigned b = j / ohw, r = j - b * ohw;
            int oy = r / g.OW, ox = r - oy * g.OW;
            int y = oy * g.s - g.p + kh, x = ox * g.s - g.p + kw;
            if (y < 0 || y >= g.H || x < 0 || x >= g.W) continue;
            size_t bc = (size_t)b * g.C + c;
            sum += (double)dout[bc * ohw + r] * in[(bc * g.H + y) * g.W + x];
        }
        sum = cuda_block_sum(sum);
        if (threadIdx.x == 0) dw[t] += (float)sum;
    }
}

static void dw_forward(struct dn_cuda *ctx, const struct conv_geom *g, const float *in, const float *w, float *out)
{
    dw_forward_kernel<<<cuda_grid((size_t)g->B * g->C * g->OH * g->OW), DN_THREADS, 0, ctx->stream>>>(in, w, *g,
                                                                                                       out);
    KERNEL_CHECK();
}

static void dw_backward(struct dn_cuda *ctx, const struct conv_geom *g, const float *in, const float *w,
                        const float *dout, float *dw, float *din)
{
    size_t nw = (size_t)g->C * g->k * g->k;
    dw_backward_filter_kernel<<<nw < 65535 ? (unsigned)nw : 65535u, DN_THREADS, 0, ctx->stream>>>(in, dout, *g, dw);
    KERNEL_CHECK();
    if (!din) return;
    dw_backward_data_kernel<<<cuda_grid((size_t)g->B * g->C * g->H * g->W), DN_THREADS, 0, ctx->stream>>>(dout, w, *g,
                                                                                                           din);
    KERNEL_CHECK();
}

/* ---- cuDNN path ---- */

#ifdef CUDNN
static void find_algos(struct dn_cuda *ctx, struct conv2d_gpu *cg)
{
    const struct conv_geom *g = &cg->g;
    int key[9] = {g->B, g->C, g->H, g->W, g->F, g->k, g->s, g->p, g->G};
    cuda_conv_algo_choose(ctx, key, cg->xd, cg->wd, cg->cd, cg->yd, &cg->algo);
}

static void cudnn_setup(struct dn_cuda *ctx, struct conv2d_gpu *cg)
{
    const struct conv_geom *g = &cg->g;
    CUDNN_CHECK(cudnnCreateTensorDescriptor(&cg->xd));
    CUDNN_CHECK(cudnnCreateTensorDescriptor(&cg->yd));
    CUDNN_CHECK(cudnnCreateFilterDescriptor(&cg->wd));
    CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&cg->cd));
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(cg->xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, g->B, g->C, g->H, g->W));
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(cg->yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, g->B, g->F, g->OH, g->OW));
    CUDNN_CHECK(
        cudnnSetFilter4dDescriptor(cg->wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, g->F, g->C / g->G, g->k, g->k));
    CUDNN_CHECK(cudnnSetConvolution2dDescriptor(cg->cd, g->p, g->p, g->s, g->s, 1, 1, CUDNN_CROSS_CORRELATION,
                                                CUDNN_DATA_FLOAT));
    CUDNN_CHECK(cudnnSetConvolutionGroupCount(cg->cd, g->G));
    int n, c, h, w;
    CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(cg->cd, cg->xd, cg->wd, &n, &c, &h, &w));
    if (n != g->B || c != g->F || h != g->OH || w != g->OW)
        DN_ABORT("cuDNN output shape %dx%dx%dx%d differs from ours %dx%dx%dx%d", n, c, h, w, g->B, g->F, g->OH,
                 g->OW);
    find_algos(ctx, cg);
    cuda_reserve_workspace(ctx, cg->algo.ws_bytes);
}
#endif

struct conv2d_gpu *conv2d_create_gpu(struct dn_cuda *ctx, const struct conv_geom *g)
{
    struct conv2d_gpu *cg = (struct conv2d_gpu *)xcalloc(1, sizeof(*cg));
    cg->g = *g;
    cg->use_cudnn = ctx->use_cudnn;
#ifdef CUDNN
    if (cg->use_cudnn) {
        cudnn_setup(ctx, cg);
        return cg;
    }
#endif
    /* the kernels index with 32 bits */
    size_t N = (size_t)g->B * g->OH * g->OW;
    cuda_n32((size_t)g->F * N), cuda_n32((size_t)g->B * g->C * g->H * g->W);
    if (is_depthwise(g)) return cg; /* no workspace */
    cuda_n32((size_t)g->C * g->k * g->k * N);
    cuda_reserve_workspace(ctx, conv2d_workspace_gemm(g) * sizeof(float));
    return cg;
}

void conv2d_free_gpu(struct conv2d_gpu *cg)
{
    if (!cg) return;
#ifdef CUDNN
    if (cg->use_cudnn) {
        CUDNN_CHECK(cudnnDestroyTensorDescriptor(cg->xd));
        CUDNN_CHECK(cudnnDestroyTensorDescriptor(cg->yd));
        CUDNN_CHECK(cudnnDestroyFilterDescriptor(cg->wd));
        CUDNN_CHECK(cudnnDestroyConvolutionDescriptor(cg->cd));
    }
#endif
    free(cg);
}

void conv2d_forward_gpu(struct dn_cuda *ctx, struct conv2d_gpu *cg, const float *in, const float *w, float *out)
{
#ifdef CUDNN
    if (cg->use_cudnn) {
        const float one = 1, zero = 0;
        CUDNN_CHECK(cudnnSetConvolutionMathType(cg->cd, (cudnnMathType_t)cg->algo.math[0]));
        DN_COUNT_LIBRARY_CALL();
        CUDNN_CHECK(cudnnConvolutionForward(ctx->dnn, &one, cg->xd, in, cg->wd, w, cg->cd,
                                            (cudnnConvolutionFwdAlgo_t)cg->algo.fwd, ctx->workspace,
                                            ctx->workspace_bytes, &zero, cg->yd, out));
        return;
    }
#endif
    if (is_depthwise(&cg->g)) dw_forward(ctx, &cg->g, in, w, out);
    else im2col_forward(ctx, &cg->g, in, w, out);
}

void conv2d_backward_gpu(struct dn_cuda *ctx, struct conv2d_gpu *cg, const float *in, const float *w,
                         const float *dout, float *dw, float *din)
{
#ifdef CUDNN
    if (cg->use_cudnn) {
        const float one = 1;
        CUDNN_CHECK(cudnnSetConvolutionMathType(cg->cd, (cudnnMathType_t)cg->algo.math[2]));
        DN_COUNT_LIBRARY_CALL();
        CUDNN_CHECK(cudnnConvolutionBackwardFilter(ctx->dnn, &one, cg->xd, in, cg->yd, dout, cg->cd,
                                                   (cudnnConvolutionBwdFilterAlgo_t)cg->algo.bwd_filter,
                                                   ctx->workspace, ctx->workspace_bytes, &one, cg->wd, dw));
        if (!din) return;
        CUDNN_CHECK(cudnnSetConvolutionMathType(cg->cd, (cudnnMathType_t)cg->algo.math[1]));
        DN_COUNT_LIBRARY_CALL();
        CUDNN_CHECK(cudnnConvolutionBackwardData(ctx->dnn, &one, cg->wd, w, cg->yd, dout, cg->cd,
                                                 (cudnnConvolutionBwdDataAlgo_t)cg->algo.bwd_data,
                                                 ctx->workspace, ctx->workspace_bytes, &one, cg->xd, din));
        return;
    }
#endif
    if (is_depthwise(&cg->g)) dw_backward(ctx, &cg->g, in, w, dout, dw, din);
    else im2col_backward(ctx, &cg->g, in, w, dout, dw, din);
}
