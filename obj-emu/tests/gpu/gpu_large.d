obj-emu/tests/gpu/gpu_large.o: tests/gpu/gpu_large.c \
 tests/gpu/../../src/core/network.h tests/gpu/../../src/core/cfg.h \
 tests/gpu/../../src/core/utils.h tests/gpu/../../src/core/layer.h \
 tests/gpu/../../src/core/network_gpu.h tests/gpu/gpu_extra.h \
 tests/gpu/../../src/core/utils.h
tests/gpu/../../src/core/network.h:
tests/gpu/../../src/core/cfg.h:
tests/gpu/../../src/core/utils.h:
tests/gpu/../../src/core/layer.h:
tests/gpu/../../src/core/network_gpu.h:
tests/gpu/gpu_extra.h:
tests/gpu/../../src/core/utils.h:
