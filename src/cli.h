/*
 * What the verbs share (main.c, cmd_*.c): the front end, the only code
 * that prints errors and picks exit codes (failover-drill(1), EXIT
 * STATUS).  One cmd_VERB.c per verb, as libgit2's src/cli.
 */
#ifndef FD_CLI_H
#define FD_CLI_H

#include <limits.h>
#include <stddef.h>

#include "drill.h"
#include "spec.h"

/* --state-dir, or its default (main.c); recover --journal sets it. */
extern char state_dir[PATH_MAX];

/* "failover-drill: MESSAGE" and the usage on stderr; DRILL_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Load and validate a spec, printing file:line:column diagnostics on
 * stderr; -1 when it is not usable. */
int load_spec(const char *path, struct spec **out);

/* A random (version 4) UUID, the drill's correlation id. */
void uuid4(char *buf, size_t len);

/* The verbs: argv[0] is the verb; they return the exit status. */
int cmd_validate(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_recover(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* Started by run before the disable (guardian.h), not by hand. */
int cmd_guardian(int argc, char **argv);

#endif
