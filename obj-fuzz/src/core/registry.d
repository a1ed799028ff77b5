obj-fuzz/src/core/registry.o: src/core/registry.c src/core/layer.h \
  src/core/cfg.h src/core/utils.h

src/core/layer.h:

src/core/cfg.h:

src/core/utils.h:
