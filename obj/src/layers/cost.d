obj/src/layers/cost.o: src/layers/cost.c src/layers/../core/network.h \
 src/layers/../core/cfg.h src/layers/../core/utils.h \
 src/layers/../core/layer.h src/layers/cost.h src/layers/../core/layer.h
src/layers/../core/network.h:
src/layers/../core/cfg.h:
src/layers/../core/utils.h:
src/layers/../core/layer.h:
src/layers/cost.h:
src/layers/../core/layer.h:
