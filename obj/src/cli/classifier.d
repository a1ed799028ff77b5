obj/src/cli/classifier.o: src/cli/classifier.c src/cli/../core/network.h \
 src/cli/../core/cfg.h src/cli/../core/utils.h src/cli/../core/layer.h \
 src/cli/../core/weights.h src/cli/../core/network.h \
 src/cli/../data/data.h src/cli/../data/../core/utils.h src/cli/args.h \
 src/cli/evaluate.h
src/cli/../core/network.h:
src/cli/../core/cfg.h:
src/cli/../core/utils.h:
src/cli/../core/layer.h:
src/cli/../core/weights.h:
src/cli/../core/network.h:
src/cli/../data/data.h:
src/cli/../data/../core/utils.h:
src/cli/args.h:
src/cli/evaluate.h:
