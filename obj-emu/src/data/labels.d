obj-emu/src/data/labels.o: src/data/labels.c src/data/data.h \
 src/data/../core/utils.h
src/data/data.h:
src/data/../core/utils.h:
