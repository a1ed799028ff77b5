obj-gpu/src/data/cifar.o: src/data/cifar.c src/data/data.h \
 src/data/../core/utils.h
src/data/data.h:
src/data/../core/utils.h:
