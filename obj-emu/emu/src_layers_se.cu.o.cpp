/*
 * se.cu - [se] on the device, se.c's semantics on the same struct
 * se_layer, through the SE op's CUDA twin (src/backend/cuda/se.cu).
 */
#include "../backend/cuda/cuda_common.h"
#include "se.h"

void se_layer_init_gpu(struct layer *l, struct network *net)
{
    struct se_layer *sl = (struct se_layer *)l->priv;
    se_init_gpu(net->cuda, &sl->se);
    if (!l->dinput_gpu) sl->gpu.scratch = cuda_alloc((size_t)l->batch * l->inputs);
}

void se_layer_free_gpu(struct layer *l)
{
    struct se_layer *sl = (struct se_layer *)l->priv;
    if (!sl) return;
    se_free_gpu(&sl->se);
    cuda_free(sl->gpu.scratch);
    sl->gpu.scratch = NULL;
}

void se_layer_forward_gpu(struct layer *l, struct network *net)
{
    struct se_layer *sl = (struct se_layer *)l->priv;
    se_forward_gpu(net->cuda, &sl->se, l->input_gpu, l->output_gpu);
}

void se_layer_backward_gpu(struct layer *l, struct network *net)
{
    struct se_layer *sl = (struct se_layer *)l->priv;
    se_backward_gpu(net->cuda, &sl->se, l->input_gpu, l->delta_gpu, l->dinput_gpu ? l->dinput_gpu : sl->gpu.scratch);
}
