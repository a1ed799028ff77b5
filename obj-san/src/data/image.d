obj-san/src/data/image.o: src/data/image.c src/data/data.h \
 src/data/../core/utils.h
src/data/data.h:
src/data/../core/utils.h:
