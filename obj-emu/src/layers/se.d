obj-emu/src/layers/se.o: src/layers/se.c src/layers/se.h \
 src/layers/../core/layer.h src/layers/../core/cfg.h \
 src/layers/../core/utils.h src/layers/../ops/se.h \
 src/layers/../ops/../core/layer.h src/layers/../core/network.h \
 src/layers/../core/layer.h
src/layers/se.h:
src/layers/../core/layer.h:
src/layers/../core/cfg.h:
src/layers/../core/utils.h:
src/layers/../ops/se.h:
src/layers/../ops/../core/layer.h:
src/layers/../core/network.h:
src/layers/../core/layer.h:
