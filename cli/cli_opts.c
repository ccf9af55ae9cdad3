/* cli_getopt: getopt_long for the commands, with newsmill's own messages. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    char spec[64];
    /* ':' (after a leading '+', which must come first) makes getopt report a
     * missing value as ':' instead of printing its own text */
    int plus = shortopts[0] == '+';
    if (snprintf(spec, sizeof spec, "%s:%s", plus ? "+" : "", shortopts + plus) >= (int)sizeof spec)
        return '?';
    opterr = 0;
    int c = getopt_long(argc, argv, spec, longopts, NULL);
    if (c != '?' && c != ':')
        return c;
    const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    const char *sep = cmd ? " " : "";
    cmd = cmd ? cmd : "";
    if (c == ':')
        fprintf(stderr, "newsmill%s%s: %s needs a value\n", sep, cmd, arg);
    else if (optopt && arg[0] == '-' && arg[1] != '-')
        fprintf(stderr, "newsmill%s%s: unknown option '-%c'\n", sep, cmd, optopt);
    else
        fprintf(stderr, "newsmill%s%s: unknown option '%s'\n", sep, cmd, arg);
    return '?';
}
