obj-emu/src/layers/connected.o: src/layers/connected.c \
 src/layers/../backend/cpu/gemm.h src/layers/../core/network.h \
 src/layers/../core/cfg.h src/layers/../core/utils.h \
 src/layers/../core/layer.h src/layers/connected.h \
 src/layers/../core/activations.h src/layers/../core/layer.h \
 src/layers/../ops/batchnorm.h src/layers/../ops/../core/activations.h \
 src/layers/../ops/../core/layer.h
src/layers/../backend/cpu/gemm.h:
src/layers/../core/network.h:
src/layers/../core/cfg.h:
src/layers/../core/utils.h:
src/layers/../core/layer.h:
src/layers/connected.h:
src/layers/../core/activations.h:
src/layers/../core/layer.h:
src/layers/../ops/batchnorm.h:
src/layers/../ops/../core/activations.h:
src/layers/../ops/../core/layer.h:
