/*
 * The result directory of one run: the result document (result.h) and
 * every report rendered from it (report.h), each file written atomically.
 * It sits above both, so the renderers never call back into result.h's
 * writer (the report <-> result include circle, issue 12).
 */
#ifndef FD_RESULT_WRITE_H
#define FD_RESULT_WRITE_H

#include <jansson.h>

#include "error.h"

/* File names inside a result directory. */
#define RESULT_JSON "result.json"
#define RESULT_TEXT "report.txt"
#define RESULT_JUNIT "junit.xml"
#define RESULT_PROM "metrics.prom"
#define RESULT_HTML "report.html"

/*
 * Write result.json, report.txt, junit.xml, metrics.prom and report.html
 * into dir (created 0755 when missing).  Each file is written atomically:
 * a temporary file in dir, fsync, rename, then the directory is fsynced.
 * An existing metrics.prom in dir is the previous run's for
 * last_success_timestamp carry-over.
 */
int result_write_all(const json_t *doc, const char *dir,
    struct fd_error *err);
/* Write Prometheus metrics atomically to path (e.g. a node_exporter
 * textfile directory), carrying over the last success from the file
 * already there. */
int result_write_metrics(const json_t *doc, const char *path,
    struct fd_error *err);

#endif
