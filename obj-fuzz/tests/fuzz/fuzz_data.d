obj-fuzz/tests/fuzz/fuzz_data.o: tests/fuzz/fuzz_data.c \
  tests/fuzz/../../src/data/data.h \
  tests/fuzz/../../src/data/../core/utils.h tests/fuzz/fuzz_common.h

tests/fuzz/../../src/data/data.h:

tests/fuzz/../../src/data/../core/utils.h:

tests/fuzz/fuzz_common.h:
