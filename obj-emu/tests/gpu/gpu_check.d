obj-emu/tests/gpu/gpu_check.o: tests/gpu/gpu_check.c \
 tests/gpu/../../src/core/network.h tests/gpu/../../src/core/cfg.h \
 tests/gpu/../../src/core/utils.h tests/gpu/../../src/core/layer.h \
 tests/gpu/../../src/core/network_gpu.h \
 tests/gpu/../../src/core/weights.h tests/gpu/../../src/core/network.h \
 tests/gpu/../../src/data/data.h tests/gpu/../../src/data/../core/utils.h \
 tests/gpu/gpu_extra.h tests/gpu/../../src/core/utils.h
tests/gpu/../../src/core/network.h:
tests/gpu/../../src/core/cfg.h:
tests/gpu/../../src/core/utils.h:
tests/gpu/../../src/core/layer.h:
tests/gpu/../../src/core/network_gpu.h:
tests/gpu/../../src/core/weights.h:
tests/gpu/../../src/core/network.h:
tests/gpu/../../src/data/data.h:
tests/gpu/../../src/data/../core/utils.h:
tests/gpu/gpu_extra.h:
tests/gpu/../../src/core/utils.h:
