obj-san/src/layers/dropout.o: src/layers/dropout.c \
 src/layers/../core/network.h src/layers/../core/cfg.h \
 src/layers/../core/utils.h src/layers/../core/layer.h \
 src/layers/dropout.h src/layers/../core/layer.h
src/layers/../core/network.h:
src/layers/../core/cfg.h:
src/layers/../core/utils.h:
src/layers/../core/layer.h:
src/layers/dropout.h:
src/layers/../core/layer.h:
