obj-gpu/src/layers/avgpool.o: src/layers/avgpool.c \
 src/layers/../core/network.h src/layers/../core/cfg.h \
 src/layers/../core/utils.h src/layers/../core/layer.h \
 src/layers/avgpool.h src/layers/../core/layer.h
src/layers/../core/network.h:
src/layers/../core/cfg.h:
src/layers/../core/utils.h:
src/layers/../core/layer.h:
src/layers/avgpool.h:
src/layers/../core/layer.h:
