obj/src/core/weights.o: src/core/weights.c src/core/weights.h \
 src/core/network.h src/core/cfg.h src/core/utils.h src/core/layer.h
src/core/weights.h:
src/core/network.h:
src/core/cfg.h:
src/core/utils.h:
src/core/layer.h:
