obj-san/src/cli/chart.o: src/cli/chart.c src/cli/chart.h \
 src/cli/../core/utils.h src/cli/../data/data.h \
 src/cli/../data/../core/utils.h
src/cli/chart.h:
src/cli/../core/utils.h:
src/cli/../data/data.h:
src/cli/../data/../core/utils.h:
