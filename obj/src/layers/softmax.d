obj/src/layers/softmax.o: src/layers/softmax.c \
 src/layers/../core/network.h src/layers/../core/cfg.h \
 src/layers/../core/utils.h src/layers/../core/layer.h \
 src/layers/softmax.h src/layers/../core/layer.h
src/layers/../core/network.h:
src/layers/../core/cfg.h:
src/layers/../core/utils.h:
src/layers/../core/layer.h:
src/layers/softmax.h:
src/layers/../core/layer.h:
