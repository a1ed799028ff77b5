obj-san/tests/test_parity.o: tests/test_parity.c \
 tests/../src/core/network.h tests/../src/core/cfg.h \
 tests/../src/core/utils.h tests/../src/core/layer.h tests/harness.h
tests/../src/core/network.h:
tests/../src/core/cfg.h:
tests/../src/core/utils.h:
tests/../src/core/layer.h:
tests/harness.h:
