/*
 * network_gpu.h - running a network on one CUDA device (GPU=1 builds only).
 *
 * cuda_net_attach() gives a network built on the host a device context
 * (struct dn_cuda: cuBLAS and cuDNN handles, one stream, the shared
 * workspace) and a device twin of every buffer: parameters, gradients,
 * momentum and BN statistics (uploaded from the host), every layer's output
 * and delta, and the network's input, truth and input delta. From then on
 * net_forward / net_backward / net_update (network.c) run on the device:
 *
 *   net_forward  uploads net->input (and net->truth when training) unless a
 *                u8 batch was fed (below), runs every layer's forward_gpu,
 *                and copies back net->loss and the LAST
 *                layer's output (so valid/predict read their results as on
 *                the CPU). Other device buffers stay on the device.
 *   net_backward runs backward_gpu from the last layer; nothing is copied.
 *   net_update   one SGD kernel over all learned parameters; grads zeroed.
 *
 * The host copies of parameters are stale while training runs on the device:
 * cuda_net_pull() refreshes them (weights_save does it), cuda_net_push()
 * sends host values to the device (weights_load does it when attached).
 * net_free() detaches. Options, read once at attach:
 *   DN_CUDA_NO_CUDNN  convolution through im2col + cuBLAS even when built
 *                     with CUDNN=1 (the tests compare both paths)
 *   DN_CUDA_TF32      allow TF32 tensor-core math in cuDNN and cuBLAS (faster
 *                     on Ampere and later, about 1e-3 relative error); the
 *                     environment variable DN_TF32=1 sets it too.
 *   DN_CUDA_CUDNN_BENCHMARK  cuDNN's timed search chooses the fastest
 *                     convolution algorithms, deterministic or not (default:
 *                     its heuristics choose deterministic ones, the same in
 *                     every run: src/backend/cuda/conv_algo.cu); also set by
 *                     [net] cudnn_benchmark=1 or DN_CUDNN_BENCHMARK=1.
 */
#ifndef DN_NETWORK_GPU_H
#define DN_NETWORK_GPU_H

#ifdef GPU

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct network;

enum { DN_CUDA_NO_CUDNN = 1, DN_CUDA_TF32 = 2, DN_CUDA_CUDNN_BENCHMARK = 4 };

/* Number of CUDA devices (0 when the driver or device is missing). */
int cuda_device_count(void);
/* Attach device `device` to net (see above). Returns 0, or -1 with a
 * one-line message in err (no device, bad index, layer without GPU code). */
int cuda_net_attach(struct network *net, int device, int flags, char *err);
/* Free the device side; net->cuda becomes NULL (called by net_free). */
void cuda_net_detach(struct network *net);
/* Host -> device: parameter values, gradients, momentum and BN statistics. */
void cuda_net_push(struct network *net);
/* Device -> host: the same (const: only the pointed-to host arrays change). */
void cuda_net_pull(const struct network *net);
/* Device -> host: every layer's output and delta, and net->delta. */
void cuda_net_pull_activations(struct network *net);

/*
 * uint8 batches, augmented on the device (src/data/augment.cu):
 * u8_feed_new makes a u8 batch buffer for net->batch images of its input
 * shape (pinned host memory and its device copy) and uploads a's
 * normalisation table (augment_lut); the caller owns it (core/train.c's
 * feeder) and frees it with u8_feed_free before net_free. Fill the host
 * buffer u8_feed_batch returns (loader_next_u8, dataset_gather_batch), then
 * cuda_net_feed_u8 copies it to the device, the batch's only host-to-device
 * copy, and renders net->input_gpu and net->truth_gpu there: bit for bit
 * what dataset_fill_batch gives on the host. The next net_forward uses them
 * instead of uploading net->input and net->truth (their host copies are not
 * written); later forwards upload again unless fed anew. The copy is
 * asynchronous: refill the buffer only after that net_forward has returned.
 */
struct augment;
struct u8_batch;
struct u8_feed;
struct u8_feed *u8_feed_new(struct network *net, const struct augment *a);
struct u8_batch *u8_feed_batch(struct u8_feed *f);
void u8_feed_free(struct u8_feed *f);
void cuda_net_feed_u8(struct network *net, struct u8_feed *f);

void net_forward_gpu(struct network *net);
void net_backward_gpu(struct network *net);
void net_update_gpu(struct network *net, int batch_num);

/* The cuDNN algorithms chosen for one convolution shape; one per distinct
 * shape of the network's convolutions (none on the im2col path). algo[]:
 * cudnnConvolutionFwdAlgo_t, BwdDataAlgo_t, BwdFilterAlgo_t values. */
struct dn_conv_choice {
    int key[9];           /* B, C, H, W, filters, size, stride, padding, groups */
    int algo[3];          /* forward, backward data, backward filter */
    int fma[3];           /* 1: runs with CUDNN_FMA_MATH (plain FP32, no tensor cores) */
    int deterministic[3]; /* 1: cuDNN says bit-identical from run to run */
};
/* Copies up to max choices to out; returns how many there are. */
int cuda_net_conv_choices(const struct network *net, struct dn_conv_choice *out, int max);

/* Plain copies on the network's stream (synchronous with the host). */
void cuda_upload(struct network *net, float *dst_gpu, const float *src, size_t n);
void cuda_download(struct network *net, float *dst, const float *src_gpu, size_t n);
/* Wait until all queued device work of net has finished. */
void cuda_sync(struct network *net);
/* Kernel launches so far in this process, all devices: our kernels plus
 * one per cuBLAS gemm and cuDNN convolution call (each of which launches at
 * least one kernel): a lower bound of the true count. */
unsigned long long cuda_launch_count(void);
/* Short description of the attached device and math mode, for logs. */
const char *cuda_describe(const struct network *net);

#ifdef __cplusplus
}
#endif

#endif /* GPU */
#endif
