obj/tests/test_network.o: tests/test_network.c \
 tests/../src/core/network.h tests/../src/core/cfg.h \
 tests/../src/core/utils.h tests/../src/core/layer.h \
 tests/../src/core/weights.h tests/../src/core/network.h tests/harness.h
tests/../src/core/network.h:
tests/../src/core/cfg.h:
tests/../src/core/utils.h:
tests/../src/core/layer.h:
tests/../src/core/weights.h:
tests/../src/core/network.h:
tests/harness.h:
