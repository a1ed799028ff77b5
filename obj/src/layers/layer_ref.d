obj/src/layers/layer_ref.o: src/layers/layer_ref.c src/layers/layer_ref.h \
 src/layers/../core/cfg.h src/layers/../core/utils.h
src/layers/layer_ref.h:
src/layers/../core/cfg.h:
src/layers/../core/utils.h:
