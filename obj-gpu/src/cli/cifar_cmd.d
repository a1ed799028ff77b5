obj-gpu/src/cli/cifar_cmd.o: src/cli/cifar_cmd.c src/cli/../data/data.h \
 src/cli/../data/../core/utils.h src/cli/args.h
src/cli/../data/data.h:
src/cli/../data/../core/utils.h:
src/cli/args.h:
