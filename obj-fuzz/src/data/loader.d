obj-fuzz/src/data/loader.o: src/data/loader.c src/data/data.h \
  src/data/../core/utils.h

src/data/data.h:

src/data/../core/utils.h:
