obj/src/backend/cpu/im2col.o: src/backend/cpu/im2col.c \
 src/backend/cpu/im2col.h
src/backend/cpu/im2col.h:
