obj/src/layers/maxpool.o: src/layers/maxpool.c \
 src/layers/../core/network.h src/layers/../core/cfg.h \
 src/layers/../core/utils.h src/layers/../core/layer.h \
 src/layers/maxpool.h src/layers/../core/layer.h
src/layers/../core/network.h:
src/layers/../core/cfg.h:
src/layers/../core/utils.h:
src/layers/../core/layer.h:
src/layers/maxpool.h:
src/layers/../core/layer.h:
