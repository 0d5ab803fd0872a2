/*
 * Inside the trace importers (import.h): one file per tool family
 * (import_traceroute.c, import_tracert.c, import_mtr.c,
 * import_scamper.c), what they share (import_util.c), and the format
 * table with detection (import.c).
 */
#ifndef FD_IMPORT_PRIV_H
#define FD_IMPORT_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "import.h"

#define MAX_TOKENS 96

struct imp_text {
	char *buf;		/* NUL-terminated copy, NULs replaced */
	char **lines;
	size_t n;
	bool last_nl;		/* the input ended with a newline */
};

int imp_text_split(const char *in, size_t len, struct imp_text *t);
void imp_text_free(struct imp_text *t);

/* Tokens split on white space (NULs written into s), at most MAX_TOKENS. */
bool imp_is_space(unsigned char c);
size_t imp_tokenize(char *s, char **tok);
bool imp_all_digits(const char *s);
bool imp_starts_with(const char *s, const char *prefix);
/* Numbers and RTTs ("12.3", "12.3ms"). */
bool imp_float(const char *s, double *out);
bool imp_ms_glued(const char *s, double *out);
/* An address token: bare, or in the given brackets, or "name (addr)". */
bool imp_addr_tok(const char *s, struct fd_addr *out);
bool imp_bracketed(const char *s, char open, char close,
    struct fd_addr *out);
bool imp_paren_addr(const char *s, struct fd_addr *out);

/* The answer currently printed on a hop line. */
struct imp_cur {
	bool set;
	struct fd_addr addr;
	char name[HOP_NAME_MAX];
};

void imp_cur_set(struct imp_cur *c, const struct fd_addr *a,
    const char *name);
/* A probe of ttl answered by c (NULL or unset: no reply). */
int imp_add_probe(struct hop_list *l, unsigned ttl, const struct imp_cur *c,
    double rtt, const char *flag);
void imp_flag_last(struct hop_list *l, unsigned ttl, const char *flag);
/* Name the source and finish the list; -ENODATA without a hop. */
int imp_finish(struct hop_list *l, const char *source, struct fd_error *err);
/* The error for a list that hit hops.h's limits. */
int imp_full(struct fd_error *err, const char *source, int rc);

/* "number or numeric string" (FORMATS.md 6.6); a string target. */
bool imp_json_num(const json_t *v, double *out);
void imp_json_target(const json_t *v, struct hop_list *l);

/* Line classifiers, also used by trace_format_detect(). */
size_t imp_tracert_cell(char **tok, size_t n, size_t i, double *rtt);
bool imp_tracepath_ttl(const char *s, unsigned *ttl);
bool imp_mtr_row(const char *s, unsigned *ttl, bool *bar);

extern const struct trace_format import_fmt_traceroute;
extern const struct trace_format import_fmt_tracert;
extern const struct trace_format import_fmt_tracepath;
extern const struct trace_format import_fmt_mtr_json;
extern const struct trace_format import_fmt_mtr_report;
extern const struct trace_format import_fmt_winmtr;
extern const struct trace_format import_fmt_scamper;

#endif
