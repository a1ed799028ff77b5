obj-san/tests/test_data.o: tests/test_data.c tests/../src/data/data.h \
 tests/../src/data/../core/utils.h tests/harness.h
tests/../src/data/data.h:
tests/../src/data/../core/utils.h:
tests/harness.h:
