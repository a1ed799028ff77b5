obj-fuzz/src/layers/route.o: src/layers/route.c \
  src/layers/../core/network.h src/layers/../core/cfg.h \
  src/layers/../core/utils.h src/layers/../core/layer.h \
  src/layers/route.h src/layers/layer_ref.h

src/layers/../core/network.h:

src/layers/../core/cfg.h:

src/layers/../core/utils.h:

src/layers/../core/layer.h:

src/layers/route.h:

src/layers/layer_ref.h:
