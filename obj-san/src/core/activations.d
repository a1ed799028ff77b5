obj-san/src/core/activations.o: src/core/activations.c \
 src/core/activations.h
src/core/activations.h:
