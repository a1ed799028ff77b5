/*
 * augment.cu - the GPU renderer of u8 batches (data.h): the loader gathers
 * each sample's raw uint8 image and its plan (crop offset, flip, label) into
 * one host buffer; it is copied to the device as is, and two kernels turn it
 * into net->input_gpu (pad, crop, flip, normalise) and net->truth_gpu
 * (one-hot). The normalisation is a look-up in augment_lut's table, computed
 * on the host and uploaded, so every value is the float dataset_fill_batch
 * gives on the CPU, bit for bit. See network_gpu.h for the contract. The
 * buffers belong to the caller's struct u8_feed (core/train.c's feeder),
 * not to the device context.
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

/* truth (B, classes): 1 - eps at each sample's label, eps / (classes - 1)
 * elsewhere (eps = the plan's label smoothing, usually 0). */
__global__ static void truth_kernel(const struct sample_plan *plan, unsigned classes, unsigned n, float *truth)
{
    GRID_STRIDE32(i, n)
    {
        const struct sample_plan *p = &plan[i / classes];
        float off = classes > 1 ? p->smooth / (float)(classes - 1) : 0;
        truth[i] = (int)(i % classes) == p->label ? 1.0f - p->smooth : off;
    }
}

/* A u8 batch: its host buffer (pinned, so the copy is asynchronous), the
 * device copy, and the normalisation table of one augmentation. */
struct u8_feed {
    struct u8_batch host;
    void *dev;
    float *lut;
};

struct u8_feed *u8_feed_new(struct network *net, const struct augment *a)
{
    DN_ASSERT(net->cuda && net->c >= 1 && net->c <= 3);
    struct u8_feed *f = (struct u8_feed *)xcalloc(1, sizeof(*f));
    size_t bytes = u8_batch_bytes(net->batch, net->c, net->h, net->w);
    void *buf = NULL;
    CUDA_CHECK(cudaMallocHost(&buf, bytes));
    u8_batch_init(&f->host, net->batch, net->c, net->h, net->w, buf);
    CUDA_CHECK(cudaMalloc(&f->dev, bytes));
    f->lut = cuda_alloc(3 * 256);
    float lut[3][256];
    augment_lut(a, net->c, lut);
    cuda_upload(net, f->lut, &lut[0][0], (size_t)net->c * 256);
    return f;
}

struct u8_batch *u8_feed_batch(struct u8_feed *f) { return &f->host; }

void cuda_net_feed_u8(struct network *net, struct u8_feed *f)
{
    struct dn_cuda *ctx = net->cuda;
    const struct u8_batch *u = &f->host;
    DN_ASSERT(ctx && u->batch == net->batch && u->c == net->c && u->h == net->h && u->w == net->w);
    CUDA_CHECK(cudaMemcpyAsync(f->dev, u->buf, u->bytes, cudaMemcpyHostToDevice, ctx->stream));
    const struct sample_plan *plan = (const struct sample_plan *)f->dev;
    const uint8_t *pixels = (const uint8_t *)f->dev + (u->pixels - (const uint8_t *)u->buf);
    unsigned n = cuda_n32((size_t)net->batch * net->inputs);
    render_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(plan, pixels, f->lut, net->c, net->h, net->w, n,
                                                              net->input_gpu);
    KERNEL_CHECK();
    n = cuda_n32((size_t)net->batch * net->truths);
    truth_kernel<<<cuda_grid(n), DN_THREADS, 0, ctx->stream>>>(plan, net->truths, n, net->truth_gpu);
    KERNEL_CHECK();
    ctx->fed = 1;
}

void u8_feed_free(struct u8_feed *f)
{
    if (!f) return;
    CUDA_CHECK(cudaFreeHost(f->host.buf));
    cuda_free(f->dev);
    cuda_free(f->lut);
    free(f);
}
