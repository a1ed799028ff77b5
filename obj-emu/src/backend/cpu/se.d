obj-emu/src/backend/cpu/se.o: src/backend/cpu/se.c \
 src/backend/cpu/../../ops/se.h src/backend/cpu/../../ops/../core/layer.h \
 src/backend/cpu/../../ops/../core/cfg.h \
 src/backend/cpu/../../ops/../core/utils.h \
 src/backend/cpu/../../core/network.h src/backend/cpu/../../core/cfg.h \
 src/backend/cpu/../../core/layer.h src/backend/cpu/../../core/utils.h \
 src/backend/cpu/gemm.h
src/backend/cpu/../../ops/se.h:
src/backend/cpu/../../ops/../core/layer.h:
src/backend/cpu/../../ops/../core/cfg.h:
src/backend/cpu/../../ops/../core/utils.h:
src/backend/cpu/../../core/network.h:
src/backend/cpu/../../core/cfg.h:
src/backend/cpu/../../core/layer.h:
src/backend/cpu/../../core/utils.h:
src/backend/cpu/gemm.h:
