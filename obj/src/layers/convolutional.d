obj/src/layers/convolutional.o: src/layers/convolutional.c \
 src/layers/../backend/cpu/conv_direct.h src/layers/../core/network.h \
 src/layers/../core/cfg.h src/layers/../core/utils.h \
 src/layers/../core/layer.h src/layers/convolutional.h \
 src/layers/../core/activations.h src/layers/../core/layer.h \
 src/layers/../ops/batchnorm.h src/layers/../ops/../core/activations.h \
 src/layers/../ops/../core/layer.h src/layers/../ops/conv2d.h
src/layers/../backend/cpu/conv_direct.h:
src/layers/../core/network.h:
src/layers/../core/cfg.h:
src/layers/../core/utils.h:
src/layers/../core/layer.h:
src/layers/convolutional.h:
src/layers/../core/activations.h:
src/layers/../core/layer.h:
src/layers/../ops/batchnorm.h:
src/layers/../ops/../core/activations.h:
src/layers/../ops/../core/layer.h:
src/layers/../ops/conv2d.h:
