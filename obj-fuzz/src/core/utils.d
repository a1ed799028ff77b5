obj-fuzz/src/core/utils.o: src/core/utils.c src/core/utils.h

src/core/utils.h:
