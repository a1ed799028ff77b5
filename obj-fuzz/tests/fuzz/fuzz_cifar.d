obj-fuzz/tests/fuzz/fuzz_cifar.o: tests/fuzz/fuzz_cifar.c \
  tests/fuzz/../../src/data/data.h \
  tests/fuzz/../../src/data/../core/utils.h tests/fuzz/fuzz_common.h

tests/fuzz/../../src/data/data.h:

tests/fuzz/../../src/data/../core/utils.h:

tests/fuzz/fuzz_common.h:
