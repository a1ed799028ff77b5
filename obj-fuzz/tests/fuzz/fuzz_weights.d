obj-fuzz/tests/fuzz/fuzz_weights.o: tests/fuzz/fuzz_weights.c \
  tests/fuzz/../../src/core/network.h tests/fuzz/../../src/core/cfg.h \
  tests/fuzz/../../src/core/utils.h tests/fuzz/../../src/core/layer.h \
  tests/fuzz/../../src/core/weights.h tests/fuzz/fuzz_common.h

tests/fuzz/../../src/core/network.h:

tests/fuzz/../../src/core/cfg.h:

tests/fuzz/../../src/core/utils.h:

tests/fuzz/../../src/core/layer.h:

tests/fuzz/../../src/core/weights.h:

tests/fuzz/fuzz_common.h:
