obj-san/src/core/network.o: src/core/network.c src/core/network.h \
 src/core/cfg.h src/core/utils.h src/core/layer.h src/core/activations.h
src/core/network.h:
src/core/cfg.h:
src/core/utils.h:
src/core/layer.h:
src/core/activations.h:
