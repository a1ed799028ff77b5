obj-fuzz/src/backend/cpu/conv_direct.o: src/backend/cpu/conv_direct.c \
  src/backend/cpu/conv_direct.h src/backend/cpu/../../core/activations.h \
  src/backend/cpu/../../core/utils.h src/backend/cpu/../../ops/conv2d.h \
  src/backend/cpu/simd.h

src/backend/cpu/conv_direct.h:

src/backend/cpu/../../core/activations.h:

src/backend/cpu/../../core/utils.h:

src/backend/cpu/../../ops/conv2d.h:

src/backend/cpu/simd.h:
