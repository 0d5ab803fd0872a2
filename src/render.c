/* Hop list renderers; see render.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *s = realloc(b->s, cap);

		if (s == NULL) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

static char *
sb_done(struct sbuf *b)
{
	if (b->oom || b->s == NULL) {
		free(b->s);
		return NULL;
	}
	return b->s;
}

static void
model_probe(struct sbuf *b, const struct hop_probe *p)
{
	if (p->answer < 0) {
		sb_printf(b, " *");
		return;
	}
	if (p->rtt_ms < 0)
		sb_printf(b, " %c:-%s", 'a' + p->answer, p->flag);
	else
		sb_printf(b, " %c:%.3f%s", 'a' + p->answer, p->rtt_ms,
		    p->flag);
}

char *
trace_render_model(const struct hop_list *l)
{
	struct sbuf b = { 0 };
	char a[FD_ADDR_STRLEN];
	unsigned i, k;

	sb_printf(&b, "source: %s\n", l->source);
	sb_printf(&b, "target: %s\n", addr_is_set(&l->target) ?
	    addr_str(&l->target, a, sizeof(a)) : "-");
	sb_printf(&b, "reached: %s\n", l->reached ? "yes" : "no");
	sb_printf(&b, "truncated: %s\n", l->truncated ? "yes" : "no");
	sb_printf(&b, "hops: %u\n", l->n);
	for (i = 0; i < l->n; i++) {
		const struct hop *h = &l->hops[i];

		sb_printf(&b, "%2u ", h->ttl);
		if (h->n_answers == 0)
			sb_printf(&b, " *");
		for (k = 0; k < h->n_answers; k++) {
			const struct hop_answer *an = &h->answers[k];

			sb_printf(&b, " %c=%s", 'a' + k, addr_is_set(&an->addr)
			    ? addr_str(&an->addr, a, sizeof(a)) : "-");
			if (an->name[0] != '\0')
				sb_printf(&b, " \"%s\"", an->name);
		}
		sb_printf(&b, "  |");
		for (k = 0; k < h->n_probes; k++)
			model_probe(&b, &h->probes[k]);
		sb_printf(&b, h->rate_limited ? "  rate-limited\n" : "\n");
	}
	return sb_done(&b);
}

char *
trace_render_text(const struct hop_list *l)
{
	struct sbuf b = { 0 };
	char a[FD_ADDR_STRLEN];
	unsigned i, k;

	sb_printf(&b, "trace to %s (%s), %u hops, %s%s\n",
	    addr_is_set(&l->target) ? addr_str(&l->target, a, sizeof(a)) :
	    "?", l->source, l->n, l->reached ? "reached" : "not reached",
	    l->truncated ? ", truncated" : "");
	for (i = 0; i < l->n; i++) {
		const struct hop *h = &l->hops[i];
		int last = -1;

		sb_printf(&b, "%2u ", h->ttl);
		for (k = 0; k < h->n_probes; k++) {
			const struct hop_probe *p = &h->probes[k];

			if (p->answer < 0) {
				sb_printf(&b, " *");
				continue;
			}
			if (p->answer != last && (unsigned)p->answer <
			    h->n_answers) {
				const struct hop_answer *an =
				    &h->answers[p->answer];

				if (addr_is_set(&an->addr))
					sb_printf(&b, " %s", addr_str(
					    &an->addr, a, sizeof(a)));
				if (an->name[0] != '\0')
					sb_printf(&b, addr_is_set(&an->addr) ?
					    " (%s)" : " %s", an->name);
				last = p->answer;
			}
			if (p->rtt_ms >= 0)
				sb_printf(&b, "  %.3f ms", p->rtt_ms);
			if (p->flag[0] != '\0')
				sb_printf(&b, " %s", p->flag);
		}
		/* Its stars are the router's ICMP rate limit (tracer.c
		 * mark_limited()), not lost probes. */
		sb_printf(&b, h->rate_limited ? "  (rate-limited)\n" : "\n");
	}
	return sb_done(&b);
}

json_t *
trace_render_json(const struct hop_list *l)
{
	json_t *o, *hops;
	char a[FD_ADDR_STRLEN];
	unsigned i, k;

	o = json_object();
	hops = json_array();
	if (o == NULL || hops == NULL) {
		json_decref(o);
		json_decref(hops);
		return NULL;
	}
	json_object_set_new(o, "source", json_string(l->source));
	json_object_set_new(o, "target", addr_is_set(&l->target) ?
	    json_string(addr_str(&l->target, a, sizeof(a))) : json_null());
	json_object_set_new(o, "reached", json_boolean(l->reached));
	json_object_set_new(o, "truncated", json_boolean(l->truncated));
	for (i = 0; i < l->n; i++) {
		const struct hop *h = &l->hops[i];
		json_t *ho = json_object(), *ans = json_array(),
		    *pr = json_array();

		for (k = 0; k < h->n_answers; k++) {
			const struct hop_answer *an = &h->answers[k];

			json_array_append_new(ans, json_pack("{s:o,s:o}",
			    "addr", addr_is_set(&an->addr) ? json_string(
			    addr_str(&an->addr, a, sizeof(a))) : json_null(),
			    "name", an->name[0] ? json_string(an->name) :
			    json_null()));
		}
		for (k = 0; k < h->n_probes; k++) {
			const struct hop_probe *p = &h->probes[k];

			json_array_append_new(pr, json_pack("{s:o,s:o,s:o}",
			    "answer", p->answer < 0 ? json_null() :
			    json_integer(p->answer),
			    "rtt_ms", p->rtt_ms < 0 ? json_null() :
			    json_real(p->rtt_ms),
			    "flag", p->flag[0] ? json_string(p->flag) :
			    json_null()));
		}
		json_object_set_new(ho, "ttl", json_integer(h->ttl));
		json_object_set_new(ho, "answers", ans);
		json_object_set_new(ho, "probes", pr);
		if (h->rate_limited)
			json_object_set_new(ho, "rate_limited", json_true());
		json_array_append_new(hops, ho);
	}
	json_object_set_new(o, "hops", hops);
	return o;
}
