obj-san/src/layers/batchnorm.o: src/layers/batchnorm.c \
 src/layers/batchnorm.h src/layers/../core/activations.h \
 src/layers/../core/layer.h src/layers/../core/cfg.h \
 src/layers/../core/utils.h src/layers/../backend/cpu/simd.h
src/layers/batchnorm.h:
src/layers/../core/activations.h:
src/layers/../core/layer.h:
src/layers/../core/cfg.h:
src/layers/../core/utils.h:
src/layers/../backend/cpu/simd.h:
