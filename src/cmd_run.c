/* The "run" verb; see failover-drill(1). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"
#include "guardian.h"
#include "journal.h"
#include "log.h"
#include "provider.h"
#include "replies.h"
#include "report.h"
#include "result_write.h"
#include "window.h"

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	static const char msg[] = "failover-drill: signal received: "
	    "finishing up and restoring the peering (this is not skipped)\n";

	(void)sig;
	got_signal++;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		(void)0;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking wait returns and sees the flag. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Ask for the circuit name on a terminal; anything else refuses. */
static bool
confirm_circuit(const struct spec *s)
{
	char line[256];
	size_t n;

	fprintf(stderr, "This disables private peering %s of ExpressRoute "
	    "circuit %s\n(resource group %s, subscription %s) and enables it "
	    "again.\nType the circuit name to continue: ", s->azure.peering,
	    s->azure.circuit, s->azure.resource_group,
	    s->azure.subscription);
	fflush(stderr);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return strcmp(line, s->azure.circuit) == 0;
}

static void
close_providers(const struct spec *s, struct drill_providers *p)
{
	unsigned i;

	if (p->cloud != NULL && p->cloud_ctx != NULL)
		p->cloud->close(p->cloud_ctx);
	for (i = 0; i < s->n_devices; i++)
		if (p->dev[i] != NULL && p->dev_ctx[i] != NULL)
			p->dev[i]->close(p->dev_ctx[i]);
	if (p->probe != NULL && p->probe_ctx != NULL)
		p->probe->close(p->probe_ctx);
}

static int
open_providers(const struct spec *s, const struct fd_clock *clock,
    const char *corr, struct drill_providers *p, struct fd_error *err)
{
	unsigned i;
	int rc;

	memset(p, 0, sizeof(*p));
	p->cloud = provider_cloud("azure");
	if (p->cloud == NULL)
		return fd_error_set(err, -ENOSYS, "no azure provider built in");
	rc = p->cloud->open(&s->azure, clock, corr, &p->cloud_ctx, err);
	if (rc < 0)
		return rc;
	for (i = 0; i < s->n_devices; i++) {
		p->dev[i] = provider_device(s->devices[i].kind);
		if (p->dev[i] == NULL)
			return fd_error_set(err, -ENOSYS,
			    "device %s: no %s provider built in",
			    s->devices[i].name, s->devices[i].kind);
		struct device_cfg dc = s->devices[i];

		/* Device traces wait and reach as far as native ones. */
		dc.trace_wait_s = (s->probe.wait_max_ms + 999) / 1000;
		dc.trace_max_ttl = s->probe.max_ttl;
		rc = p->dev[i]->open(&dc, &p->dev_ctx[i], err);
		if (rc < 0)
			return fd_error_prefix(err, "device %s",
			    s->devices[i].name);
	}
	p->probe = provider_probe("native");
	if (p->probe == NULL)
		return fd_error_set(err, -ENOSYS, "no native probe built in");
	return p->probe->open(&s->probe, &p->probe_ctx, err);
}

static bool
change_id_ok(const char *id)
{
	size_t n = strlen(id), i;

	if (n == 0 || n > 128)
		return false;
	for (i = 0; i < n; i++)
		if (!isprint((unsigned char)id[i]))
			return false;
	return true;
}

/*
 * The evidence a change review asks for (issue 13): who ran the drill
 * and where, under which change, and from exactly which spec: its
 * SHA-256, and a copy next to the results (out/spec.json); and the
 * device replies saved in out/replies/.
 */
static int
evidence(json_t *doc, const struct spec *s, const char *change,
    time_t window_end, const char *out, struct fd_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char hex[2 * EVP_MAX_MD_SIZE + 1], who[320], host[256], copy[PATH_MAX];
	const struct passwd *pw = getpwuid(geteuid());
	char *text = NULL;
	size_t len = 0;
	json_t *id, *rep;
	FILE *f;
	int rc = 0;

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(who, sizeof(who), "%s@%s", pw != NULL ? pw->pw_name :
	    "unknown", host);
	if ((f = fopen(s->file, "rb")) != NULL) {
		char buf[8192];
		size_t n;
		FILE *m = open_memstream(&text, &len);

		while (m != NULL && (n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, m);
		if (m != NULL)
			fclose(m);
		fclose(f);
	}
	if (text == NULL)
		return fd_error_set(err, -errno, "%s: cannot read it again",
		    s->file);
	if (EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		rc = fd_error_set(err, -EIO, "SHA-256 of %s failed", s->file);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[2 * mdlen] = '\0';
	snprintf(copy, sizeof(copy), "%s/spec.json", out);
	f = fopen(copy, "wb");
	if (f != NULL && fwrite(text, 1, len, f) != len) {
		fclose(f);
		f = NULL;
	}
	if (f == NULL || fclose(f) != 0) {
		rc = fd_error_set(err, -EIO, "%s: cannot write the spec copy",
		    copy);
		copy[0] = '\0';
	}
	free(text);
	id = json_object_get(json_object_get(doc, "azure"), "identity");
	json_object_set_new(doc, "evidence", json_pack("{s:s, s:o, s:s, s:o, "
	    "s:O*}", "operator", who, "change_id", change ?
	    json_string(change) : json_null(), "spec_sha256", hex,
	    "spec_copy", copy[0] ? json_string("spec.json") : json_null(),
	    "azure_identity", id));
	/* Moved, not copied: the drill noted it under "azure". */
	json_object_del(json_object_get(doc, "azure"), "identity");
	/* So is its lease (issue 14, lease.h). */
	if ((id = json_object_get(json_object_get(doc, "azure"), "lease")) !=
	    NULL) {
		json_object_set(json_object_get(doc, "evidence"), "lease", id);
		json_object_del(json_object_get(doc, "azure"), "lease");
	}
	if (window_end != 0)
		json_object_set_new(json_object_get(doc, "evidence"),
		    "window_until", json_string(window_utc_str(window_end,
		    hex, sizeof(hex))));
	/* What each device said in each phase (replies.h). */
	if ((rep = replies_index(out)) != NULL)
		json_object_set_new(json_object_get(doc, "evidence"),
		    "replies", rep);
	return rc;
}

/*
 * Issue 14: a real run starts only inside its maintenance window (the
 * spec's, its end brought forward by --window-until) and gets no more
 * than the time left in it: drill_s is cut to fit (restore_s still
 * follows it).  Decided from the clock alone, before anything is opened.
 * DRILL_PASSED to go on (*end: when the window closes, 0 never), else
 * the exit status.
 */
#define WINDOW_MIN_S 60	/* the least drill_s a spec may give */
static int
window_gate(struct spec *s, time_t until, time_t now, time_t *end)
{
	struct window_state st;
	struct fd_error err = { 0 };
	char a[32];
	long long left;

	if (until != 0)
		window_limit(&s->window, until);
	if (!s->window.set)
		return DRILL_PASSED;
	if (window_eval(&s->window, now, &st, &err) < 0) {
		fprintf(stderr, "failover-drill: run: %s: window: %s; nothing "
		    "changed\n", s->file, err.msg);
		return DRILL_ABORTED;
	}
	if (!st.open) {
		fprintf(stderr, "failover-drill: run: %s: outside the "
		    "maintenance window: %s (now %s); nothing changed\n",
		    s->file, st.why, window_utc_str(now, a, sizeof(a)));
		return DRILL_ABORTED;
	}
	*end = st.until;
	if (st.until == 0)
		return DRILL_PASSED;
	left = (long long)(st.until - now);
	window_utc_str(st.until, a, sizeof(a));
	if (left < WINDOW_MIN_S) {
		fprintf(stderr, "failover-drill: run: %s: the maintenance "
		    "window closes at %s, in %lld s: too little for a drill "
		    "(at least %d s); nothing changed\n", s->file, a, left,
		    WINDOW_MIN_S);
		return DRILL_ABORTED;
	}
	if (left < (long long)s->timeouts.drill_s) {
		log_info("maintenance window closes at %s: drill_s cut from "
		    "%u to %lld s", a, s->timeouts.drill_s, left);
		s->timeouts.drill_s = (unsigned)left;
	}
	return DRILL_PASSED;
}

static void
default_out_dir(const struct spec *s, char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	char ts[32];

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf, len, "failover-drill-%s-%s", s->name, ts);
}

int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "out", required_argument, NULL, 'o' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "change", required_argument, NULL, 'c' },
		{ "window-until", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	struct drill_providers prov;
	struct guardian guard;
	struct drill_opts o;
	struct fd_clock clock, rclock;
	struct fd_error err = { 0 };
	struct spec *s = NULL;
	const char *metrics = NULL, *change = NULL;
	char out[PATH_MAX] = "", corr[40];
	bool dry = false, yes = false, tty;
	json_t *doc = NULL;
	time_t window_until = 0, window_end = 0;
	int c, code;

	optind = 0;	/* 0: re-read the optstring (the global parse used "+") */
	while ((c = getopt_long(argc, argv, "nyo:m:c:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry = true;
			break;
		case 'y':
			yes = true;
			break;
		case 'o':
			snprintf(out, sizeof(out), "%s", optarg);
			break;
		case 'm':
			metrics = optarg;
			break;
		case 'c':
			if (!change_id_ok(optarg))
				return usage_error("run: --change: 1 to 128 "
				    "printable characters, got '%.40s'",
				    optarg);
			change = optarg;
			break;
		case 'W':
			if (window_parse_time(optarg, &window_until) < 0)
				return usage_error("run: --window-until: "
				    "'%.40s' is not an RFC 3339 time with an "
				    "offset (2026-12-06T04:00:00+01:00 or "
				    "...Z)", optarg);
			break;
		default:
			return usage_error("run: %s", "bad option");
		}
	}
	if (optind != argc - 1)
		return usage_error("run: %s", "exactly one SPEC");
	if (dry && window_until != 0)
		return usage_error("run: %s", "--window-until is for a run: a "
		    "dry run changes nothing and has no window");
	if (load_spec(argv[optind], &s) < 0)
		return DRILL_USAGE;
	if (!dry && s->change_required && change == NULL) {
		fprintf(stderr, "failover-drill: run: %s requires a change id "
		    "(%s): give --change ID\n", s->file,
		    s->require_change_id ? "require_change_id" :
		    "change_required");
		spec_free(s);
		return DRILL_USAGE;
	}
	if (!dry && (code = window_gate(s, window_until, time(NULL),
	    &window_end)) != DRILL_PASSED) {
		spec_free(s);
		return code;
	}
	tty = isatty(STDIN_FILENO);
	if (!dry && !yes) {
		if (!tty) {
			fprintf(stderr, "failover-drill: run: stdin is not a "
			    "terminal: refusing to disable peering %s of "
			    "circuit %s without --yes\n", s->azure.peering,
			    s->azure.circuit);
			spec_free(s);
			return DRILL_USAGE;
		}
		if (!confirm_circuit(s)) {
			fprintf(stderr, "failover-drill: circuit name not "
			    "confirmed: nothing changed\n");
			spec_free(s);
			return DRILL_ABORTED;
		}
	}
	if (out[0] == '\0')
		default_out_dir(s, out, sizeof(out));
	if (journal_mkdirs(out, &err) < 0) {
		fprintf(stderr, "failover-drill: %s\n", err.msg);
		spec_free(s);
		return DRILL_ABORTED;
	}
	uuid4(corr, sizeof(corr));
	install_signals();
	clock_init_real(&clock, &got_signal);
	clock_init_real(&rclock, NULL);
	memset(&o, 0, sizeof(o));
	o.dry_run = dry;
	o.state_dir = state_dir;
	o.out_dir = out;
	o.correlation_id = corr;
	o.clock = &clock;
	o.restore_clock = &rclock;
	o.retrace_ms = 500;
	o.restore_failed_retries = 2;
	/* Issue 14: what restores the peering if this process dies. */
	guardian_init(&guard, state_dir, corr, s->timeouts.drill_s,
	    s->timeouts.restore_s);
	o.guard_arm = guardian_drill_arm;
	o.guard_disarm = guardian_drill_disarm;
	o.guard_ctx = &guard;
	o.change_id = change;
	if (open_providers(s, &rclock, corr, &prov, &err) < 0) {
		fprintf(stderr, "failover-drill: %s\n", err.msg);
		close_providers(s, &prov);
		spec_free(s);
		return DRILL_UNCHECKED;
	}
	log_info("drill %s: %s, results in %s", s->name,
	    dry ? "dry run (no writes)" : "run", out);
	code = drill_run(s, &prov, &o, &doc, &err);
	guardian_disarm(&guard);	/* the paths without a restore */
	close_providers(s, &prov);
	if (evidence(doc, s, change, window_end, out, &err) < 0)
		log_warn("evidence: %s", err.msg);
	/* Results or metrics that could not be written leave a scheduled
	 * run unobserved: never exit 0 then. */
	if (result_write_all(doc, out, &err) < 0) {
		fprintf(stderr, "failover-drill: writing results: %s\n",
		    err.msg);
		if (code == DRILL_PASSED)
			code = DRILL_UNCHECKED;
	}
	if (metrics != NULL && result_write_metrics(doc, metrics, &err) < 0) {
		fprintf(stderr, "failover-drill: %s: %s\n", metrics, err.msg);
		if (code == DRILL_PASSED)
			code = DRILL_UNCHECKED;
	}
	if (isatty(STDOUT_FILENO) || code != DRILL_PASSED ||
	    log_level() >= LOG_INFO) {
		if (report_render(doc, "text", stdout, &err) < 0)
			fprintf(stderr, "failover-drill: report: %s\n",
			    err.msg);
		printf("\nresults: %s\n", out);
	}
	if (code != DRILL_PASSED)
		fprintf(stderr, "failover-drill: %s (exit %d)\n",
		    json_string_value(json_object_get(doc, "error")) ?
		    json_string_value(json_object_get(doc, "error")) :
		    "drill did not pass", code);
	json_decref(doc);
	spec_free(s);
	return code;
}
