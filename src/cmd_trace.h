/* The "trace" verb: a native trace, or the import of a saved one. */
#ifndef FD_CMD_TRACE_H
#define FD_CMD_TRACE_H

/*
 * failover-drill trace [--json] [TRACE-OPTIONS] TARGET
 * failover-drill trace [--json] --import FILE [--format NAME]
 * argv[0] is the verb.  Exit status: 0 done (whether or not the target
 * answered), 1 the trace or the import failed, 2 usage error.
 */
int cmd_trace(int argc, char **argv);

#endif
