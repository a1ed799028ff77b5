obj-san/src/backend/cpu/conv2d.o: src/backend/cpu/conv2d.c \
 src/backend/cpu/../../ops/conv2d.h src/backend/cpu/conv_direct.h \
 src/backend/cpu/conv_winograd.h src/backend/cpu/gemm.h \
 src/backend/cpu/im2col.h
src/backend/cpu/../../ops/conv2d.h:
src/backend/cpu/conv_direct.h:
src/backend/cpu/conv_winograd.h:
src/backend/cpu/gemm.h:
src/backend/cpu/im2col.h:
