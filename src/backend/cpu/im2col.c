/* im2col.c - see im2col.h. */
#include "im2col.h"

void im2col(const float *im, int C, int H, int W, int k, int s, int p, float *col, int ldc)
{
    int OH = (H + 2 * p - k) / s + 1, OW = (W + 2 * p - k) / s + 1;
    for (int c = 0; c < C; c++) {
        for (int kh = 0; kh < k; kh++) {
            for (int kw = 0; kw < k; kw++) {
                float *row = col + (long)((c * k + kh) * k + kw) * ldc;
                for (int oy = 0; oy < OH; oy++) {
                    int y = oy * s - p + kh;
                    float *r = row + oy * OW;
                    if (y < 0 || y >= H) {
                        for (int ox = 0; ox < OW; ox++) r[ox] = 0;
                        continue;
                    }
                    const float *src = im + ((long)c * H + y) * W;
                    for (int ox = 0; ox < OW; ox++) {
                        int x = ox * s - p + kw;
                        r[ox] = (x >= 0 && x < W) ? src[x] : 0;
                    }
                }
            }
        }
    }
}

void col2im(const float *col, int ldc, int C, int H, int W, int k, int s, int p, float *im)
{
    int OH = (H + 2 * p - k) / s + 1, OW = (W + 2 * p - k) / s + 1;
    for (int c = 0; c < C; c++) {
        for (int kh = 0; kh < k; kh++) {
            for (int kw = 0; kw < k; kw++) {
                const float *row = col + (long)((c * k + kh) * k + kw) * ldc;
                for (int oy = 0; oy < OH; oy++) {
                    int y = oy * s - p + kh;
                    if (y < 0 || y >= H) continue;
                    const float *r = row + oy * OW;
                    float *dst = im + ((long)c * H + y) * W;
                    for (int ox = 0; ox < OW; ox++) {
                        int x = ox * s - p + kw;
                        if (x >= 0 && x < W) dst[x] += r[ox];
                    }
                }
            }
        }
    }
}
