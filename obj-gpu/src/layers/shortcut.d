obj-gpu/src/layers/shortcut.o: src/layers/shortcut.c \
 src/layers/../backend/cpu/simd.h src/layers/../core/activations.h \
 src/layers/../core/network.h src/layers/../core/cfg.h \
 src/layers/../core/utils.h src/layers/../core/layer.h \
 src/layers/shortcut.h src/layers/../core/layer.h src/layers/layer_ref.h \
 src/layers/../core/cfg.h
src/layers/../backend/cpu/simd.h:
src/layers/../core/activations.h:
src/layers/../core/network.h:
src/layers/../core/cfg.h:
src/layers/../core/utils.h:
src/layers/../core/layer.h:
src/layers/shortcut.h:
src/layers/../core/layer.h:
src/layers/layer_ref.h:
src/layers/../core/cfg.h:
