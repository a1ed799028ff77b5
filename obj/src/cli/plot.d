obj/src/cli/plot.o: src/cli/plot.c src/cli/../core/utils.h src/cli/args.h \
 src/cli/chart.h
src/cli/../core/utils.h:
src/cli/args.h:
src/cli/chart.h:
