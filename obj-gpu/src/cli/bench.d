obj-gpu/src/cli/bench.o: src/cli/bench.c src/cli/../backend/cpu/gemm.h \
 src/cli/../core/network.h src/cli/../core/cfg.h src/cli/../core/utils.h \
 src/cli/../core/layer.h src/cli/args.h
src/cli/../backend/cpu/gemm.h:
src/cli/../core/network.h:
src/cli/../core/cfg.h:
src/cli/../core/utils.h:
src/cli/../core/layer.h:
src/cli/args.h:
