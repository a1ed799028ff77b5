obj/tests/gradcheck.o: tests/gradcheck.c tests/gradcheck.h \
 tests/../src/core/network.h tests/../src/core/cfg.h \
 tests/../src/core/utils.h tests/../src/core/layer.h
tests/gradcheck.h:
tests/../src/core/network.h:
tests/../src/core/cfg.h:
tests/../src/core/utils.h:
tests/../src/core/layer.h:
