obj-emu/src/layers/bridge.o: src/layers/bridge.c \
 src/layers/../core/network.h src/layers/../core/cfg.h \
 src/layers/../core/utils.h src/layers/../core/layer.h \
 src/layers/bridge.h src/layers/../core/activations.h \
 src/layers/../core/layer.h src/layers/../ops/batchnorm.h \
 src/layers/../ops/../core/activations.h \
 src/layers/../ops/../core/layer.h src/layers/../ops/conv2d.h \
 src/layers/../ops/se.h src/layers/layer_ref.h src/layers/../core/cfg.h
src/layers/../core/network.h:
src/layers/../core/cfg.h:
src/layers/../core/utils.h:
src/layers/../core/layer.h:
src/layers/bridge.h:
src/layers/../core/activations.h:
src/layers/../core/layer.h:
src/layers/../ops/batchnorm.h:
src/layers/../ops/../core/activations.h:
src/layers/../ops/../core/layer.h:
src/layers/../ops/conv2d.h:
src/layers/../ops/se.h:
src/layers/layer_ref.h:
src/layers/../core/cfg.h:
