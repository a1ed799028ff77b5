/*
 * args.h - Darknet-style flag handling for the sub-commands (args.c): a flag
 * is found anywhere on the command line and removed from argv, leaving the
 * positional arguments.
 */
#ifndef DN_ARGS_H
#define DN_ARGS_H

struct network;

/* 1 if -name was given (and removes it). */
int arg_flag(int *argc, char **argv, const char *name);
/* Value of "-name N" (removed), def if absent; -1 via *bad on a bad number. */
long arg_long(int *argc, char **argv, const char *name, long def, int *bad);
/* Value of "-name STR" (removed) or def. */
const char *arg_str(int *argc, char **argv, const char *name, const char *def);

/* 1 after printing "unknown option" if argv[first..] still holds a -flag
 * (call it once a command has taken its own flags). */
int arg_unknown(int argc, char **argv, int first);

/* The network of cfg, with output=classes taken from the .data file datafile
 * (NULL: no class count), as summary, partial and export read their optional
 * <data> argument. NULL with the message in err. */
struct network *load_net_with_data(const char *datafile, const char *cfg, char *err);

/*
 * The device flags, removed from argv: -i N or -gpus N (a CUDA device,
 * default 0) and -nogpu (the CPU). Returns the device, -1 for the CPU (always
 * in CPU builds, where -i/-gpus only warn, as in Darknet), or -2 after printing an error.
 */
int arg_device(int *argc, char **argv);

#endif
