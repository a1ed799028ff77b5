obj-gpu/src/cli/main.o: src/cli/main.c src/cli/../backend/cpu/gemm.h \
 src/cli/args.h
src/cli/../backend/cpu/gemm.h:
src/cli/args.h:
