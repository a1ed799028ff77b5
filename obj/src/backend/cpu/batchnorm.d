obj/src/backend/cpu/batchnorm.o: src/backend/cpu/batchnorm.c \
 src/backend/cpu/../../ops/batchnorm.h \
 src/backend/cpu/../../ops/../core/activations.h \
 src/backend/cpu/../../ops/../core/layer.h \
 src/backend/cpu/../../ops/../core/cfg.h \
 src/backend/cpu/../../ops/../core/utils.h src/backend/cpu/simd.h
src/backend/cpu/../../ops/batchnorm.h:
src/backend/cpu/../../ops/../core/activations.h:
src/backend/cpu/../../ops/../core/layer.h:
src/backend/cpu/../../ops/../core/cfg.h:
src/backend/cpu/../../ops/../core/utils.h:
src/backend/cpu/simd.h:
