obj-san/src/data/augment.o: src/data/augment.c src/data/data.h \
 src/data/../core/utils.h
src/data/data.h:
src/data/../core/utils.h:
