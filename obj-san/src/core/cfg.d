obj-san/src/core/cfg.o: src/core/cfg.c src/core/cfg.h src/core/utils.h
src/core/cfg.h:
src/core/utils.h:
