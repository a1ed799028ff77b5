/*
 * softmax.h - [softmax]'s state, read by softmax.c and softmax.cu.
 */
#ifndef DN_SOFTMAX_H
#define DN_SOFTMAX_H

struct softmax_layer {
    int groups;        /* independent distributions per sample (each inputs/groups values) */
    float temperature; /* inputs are divided by it before the softmax */
};

#endif
