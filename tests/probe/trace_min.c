/*
 * The trace verb alone, linked against nothing but jansson: measures what
 * the whole failover-drill binary's start-up (libcurl, libssh2, libxml2
 * and their dependencies) adds to `failover-drill trace` (bench/trace.sh).
 *
 * usage: trace_min trace [TRACE-OPTIONS] TARGET
 */
#include "cmd_trace.h"

int
main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	return cmd_trace(argc - 1, argv + 1);
}
