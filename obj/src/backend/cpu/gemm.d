obj/src/backend/cpu/gemm.o: src/backend/cpu/gemm.c src/backend/cpu/gemm.h
src/backend/cpu/gemm.h:
