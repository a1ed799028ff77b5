obj/tests/test_layers.o: tests/test_layers.c \
 tests/../src/backend/cpu/conv_direct.h \
 tests/../src/backend/cpu/conv_winograd.h tests/../src/backend/cpu/gemm.h \
 tests/../src/backend/cpu/im2col.h tests/../src/core/network.h \
 tests/../src/core/cfg.h tests/../src/core/utils.h \
 tests/../src/core/layer.h tests/../src/core/activations.h \
 tests/../src/ops/batchnorm.h tests/../src/ops/../core/activations.h \
 tests/../src/ops/../core/layer.h tests/../src/ops/conv2d.h \
 tests/gradcheck.h tests/harness.h
tests/../src/backend/cpu/conv_direct.h:
tests/../src/backend/cpu/conv_winograd.h:
tests/../src/backend/cpu/gemm.h:
tests/../src/backend/cpu/im2col.h:
tests/../src/core/network.h:
tests/../src/core/cfg.h:
tests/../src/core/utils.h:
tests/../src/core/layer.h:
tests/../src/core/activations.h:
tests/../src/ops/batchnorm.h:
tests/../src/ops/../core/activations.h:
tests/../src/ops/../core/layer.h:
tests/../src/ops/conv2d.h:
tests/gradcheck.h:
tests/harness.h:
