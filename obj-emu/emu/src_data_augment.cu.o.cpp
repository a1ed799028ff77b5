/*
 * augment.cu - the GPU renderer of u8 batches (data.h): the loader gathers
 * each sample's raw uint8 image and its plan (crop offset, flip, label) into
 * one host buffer; it is copied to the device as is, and two kernels turn it
 * into net->input_gpu (pad, crop, flip, normalise) and net->truth_gpu
 * (one-hot). The normalisation is a look-up in augment_lut's table, computed
 * on the host and uploaded, so every value is the float dataset_fill_batch
 * gives on the CPU, bit for bit. See network_gpu.h for the contract.
 */
#include "../backend/cuda/cuda_common.h"

extern "C" {
#include "data.h"
}

/* x (B, c, h, w): element i is output pixel (ch, y, xo) of sample b, read
 * from sample b's image (c, h, w) at the place its plan says (data.h). */
__global__ static void render_kernel(const struct sample_plan *plan, const uint8_t *pixels, const float *lut,
                                     unsigned c, unsigned h, unsigned w, unsigned n, float *x)
{
    GRID_STRIDE32(i, n)
    {
        unsigned xo = i % w, y = i / w % h, ch = i / (w * h) % c, b = i / (w * h * c);
        const struct sample_plan p = plan[b];
        int sy = (int)y + p.dy - p.pad;
        int sx = (int)(p.flip ? w - 1 - xo : xo) + p.dx - p.pad;
        int inside = sy >= 0 && sy < (int)h && sx >= 0 && sx < (int)w;
        unsigned v = inside ? pixels[((size_t)(b * c + ch) * h + (unsigned)sy) * w + (unsigned)sx] : 0;
        x[i] = lut[ch * 256 + v];
    }
}

/* truth (B, classes): 1 at each sample's label, 0 elsewhere. */
__global__ static void truth_kernel(const struct sample_plan *plan, unsigned classes, unsigned n, float *truth)
{
    GRID_STRIDE32(i, n) truth[i] = (int)(i % classes) == plan[i / classes].label ? 1.0f : 0.0f;
}

struct u8_batch *net_cuda_u8_batch(struct network *net, const struct augment *a)
{
    struct dn_cuda *ctx = net->cuda;
    DN_ASSERT(ctx && net->c >= 1 && net->c <= 3);
    if (!ctx->u8) {
        size_t bytes = u8_batch_bytes(net->batch, net->c, net->h, net->w);
        void *buf = NULL;
        CUDA_CHECK(cudaMallocHost(&buf, bytes));
        ctx->u8 = (struct u8_batch *)xmalloc(sizeof(*ctx->u8));
        u8_batch_init(ctx->u8, net->batch, net->c, net->h, net->w, buf);
        CUDA_CHECK(cudaMalloc(&ctx->u8_dev, bytes));
        ctx->lut = cuda_alloc(3 * 256);
    }
    float lut[3][256];
    augment_lut(a, net->c, lut);
    dn_cuda_upload(net, ctx->lut, &lut[0][0], (size_t)net->c * 256);
    return ctx->u8;
}

void net_cuda_feed_u8(struct network *net, const struct u8_batch *u)
{
    struct dn_cuda *ctx = net->cuda;
    DN_ASSERT(ctx && ctx->u8 && u->batch == net->batch && u->c == net->c && u->h == net->h && u->w == net->w);
    CUDA_CHECK(cudaMemcpyAsync(ctx->u8_dev, u->buf, u->bytes, cudaMemcpyHostToDevice, ctx->stream));
    const struct sample_plan *plan = (const struct sample_plan *)ctx->u8_dev;
    const uint8_t *pixels = (const uint8_t *)ctx->u8_dev + (u->pixels - (const uint8_t *)u->buf);
    unsigned n = cuda_n32((size_t)net->batch * net->inputs);
    emu_launch(dim3(cuda_grid(n)), dim3( DN_THREADS), false, [&]() { render_kernel(plan, pixels, ctx->lut, net->c, net->h, net->w, n,
                                                              net->input_gpu); });
    KERNEL_CHECK();
    n = cuda_n32((size_t)net->batch * net->truths);
    emu_launch(dim3(cuda_grid(n)), dim3( DN_THREADS), false, [&]() { truth_kernel(plan, net->truths, n, net->truth_gpu); });
    KERNEL_CHECK();
    ctx->fed = 1;
}

void cuda_u8_free(struct dn_cuda *ctx)
{
    if (ctx->u8) CUDA_CHECK(cudaFreeHost(ctx->u8->buf));
    free(ctx->u8);
    cuda_free(ctx->u8_dev);
    cuda_free(ctx->lut);
    ctx->u8 = NULL, ctx->u8_dev = NULL, ctx->lut = NULL;
}
