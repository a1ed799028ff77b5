/*
 * commands.h - the sub-commands of ./darknet, one per file of src/cli/,
 * dispatched by main.c. Each takes main's argc/argv (argv[1] is the
 * command) after the global flags were removed, and returns the exit code:
 * 0 success, 1 a runtime error (bad file, bad cfg), 2 wrong usage.
 */
#ifndef DN_COMMANDS_H
#define DN_COMMANDS_H

/* gpu: CUDA device to run on, -1 for the CPU (always -1 in CPU builds). */
int cmd_classifier(int argc, char **argv, int gpu);
int cmd_bench(int argc, char **argv, int gpu);
int cmd_summary(int argc, char **argv);
int cmd_cifar(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_partial(int argc, char **argv);
int cmd_export(int argc, char **argv);

#endif
