/*
 * args.h - Darknet-style flag handling: a flag is found anywhere on the
 * command line and removed from argv, leaving the positional arguments.
 */
#ifndef DN_ARGS_H
#define DN_ARGS_H

/* 1 if -name was given (and removes it). */
int arg_flag(int *argc, char **argv, const char *name);
/* Value of "-name N" (removed), def if absent; -1 via *bad on a bad number. */
long arg_long(int *argc, char **argv, const char *name, long def, int *bad);
/* Value of "-name STR" (removed) or def. */
const char *arg_str(int *argc, char **argv, const char *name, const char *def);

/* 1 after printing "unknown option" if argv[first..] still holds a -flag
 * (call it once a command has taken its own flags). */
int arg_unknown(int argc, char **argv, int first);

/* gpu: CUDA device to run on, -1 for the CPU (always -1 in CPU builds). */
int cmd_classifier(int argc, char **argv, int gpu);
int cmd_summary(int argc, char **argv);
int cmd_cifar(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
