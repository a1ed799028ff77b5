obj-emu/src/data/datacfg.o: src/data/datacfg.c src/data/data.h \
 src/data/../core/utils.h src/data/../core/cfg.h src/data/../core/utils.h
src/data/data.h:
src/data/../core/utils.h:
src/data/../core/cfg.h:
src/data/../core/utils.h:
