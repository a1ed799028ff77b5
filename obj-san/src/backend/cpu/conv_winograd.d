obj-san/src/backend/cpu/conv_winograd.o: src/backend/cpu/conv_winograd.c \
 src/backend/cpu/conv_winograd.h src/backend/cpu/../../core/utils.h \
 src/backend/cpu/../../ops/conv2d.h src/backend/cpu/simd.h
src/backend/cpu/conv_winograd.h:
src/backend/cpu/../../core/utils.h:
src/backend/cpu/../../ops/conv2d.h:
src/backend/cpu/simd.h:
