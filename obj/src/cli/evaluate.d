obj/src/cli/evaluate.o: src/cli/evaluate.c src/cli/evaluate.h \
 src/cli/../core/network.h src/cli/../core/cfg.h src/cli/../core/utils.h \
 src/cli/../core/layer.h src/cli/../data/data.h \
 src/cli/../data/../core/utils.h src/cli/chart.h
src/cli/evaluate.h:
src/cli/../core/network.h:
src/cli/../core/cfg.h:
src/cli/../core/utils.h:
src/cli/../core/layer.h:
src/cli/../data/data.h:
src/cli/../data/../core/utils.h:
src/cli/chart.h:
