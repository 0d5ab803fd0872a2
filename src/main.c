/*
 * failover-drill: the front end.  Only this file prints errors and picks
 * exit codes (failover-drill(1), EXIT STATUS).  Verbs are matched exactly:
 * no prefix matching for a tool that takes production paths down.
 */
#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cmd_trace.h"
#include "drill.h"
#include "journal.h"
#include "log.h"
#include "provider.h"
#include "report.h"
#include "result.h"
#include "spec.h"

static volatile sig_atomic_t got_signal;
static char state_dir[PATH_MAX];

static const char usage_text[] =
"usage: failover-drill [-hqv] [--version] [--state-dir DIR] VERB [ARGS]\n"
"       failover-drill validate [--json] SPEC ...\n"
"       failover-drill plan [--dry-run] [--json] SPEC\n"
"       failover-drill run [--dry-run] [--yes] [--out DIR] [--metrics FILE] "
"[--change ID] SPEC\n"
"       failover-drill recover [--json] [--journal DIR]\n"
"       failover-drill report [--format FORMAT] RESULT.json\n"
"       failover-drill trace [--json | --model] [TRACE-OPTIONS] TARGET\n"
"       failover-drill trace [--json | --model] --import FILE "
"[--format NAME]\n";

static void
usage(FILE *f)
{
	fputs(usage_text, f);
}

/*
 * "failover-drill VERB --help": that verb's lines of the usage, on
 * stdout, exit 0 (as git and systemctl answer VERB --help).
 */
static bool
verb_help(int argc, char **argv)
{
	char want[64];
	const char *p, *nl, *cmd;
	bool first = true;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			break;
	if (i >= argc || strcmp(argv[i], "--") == 0)
		return false;
	snprintf(want, sizeof(want), "failover-drill %s ", argv[0]);
	for (p = usage_text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		cmd = strstr(p, want);
		if (cmd == NULL || cmd > nl)
			continue;
		printf("%s%.*s\n", first ? "usage: " : "       ",
		    (int)(nl - cmd), cmd);
		first = false;
	}
	printf("See failover-drill(1).\n");
	return true;
}

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "failover-drill: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	return DRILL_USAGE;
}

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

static void
default_state_dir(void)
{
	const char *e = getenv("FAILOVER_DRILL_STATE_DIR");
	const char *home = getenv("HOME");
	const char *xdg = getenv("XDG_STATE_HOME");

	if (state_dir[0])
		return;
	if (e != NULL && *e)
		snprintf(state_dir, sizeof(state_dir), "%s", e);
	else if (geteuid() == 0)
		snprintf(state_dir, sizeof(state_dir),
		    "/var/lib/failover-drill");
	else if (xdg != NULL && *xdg)
		snprintf(state_dir, sizeof(state_dir), "%s/failover-drill",
		    xdg);
	else
		snprintf(state_dir, sizeof(state_dir),
		    "%s/.local/state/failover-drill", home ? home : ".");
}

static void
print_diags(const struct spec_diags *d)
{
	unsigned i;

	for (i = 0; i < d->n && i < SPEC_MAX_DIAGS; i++) {
		if (d->v[i].line == 0)	/* no position: the file itself */
			fprintf(stderr, "%s: %s\n", d->file, d->v[i].msg);
		else
			fprintf(stderr, "%s:%u:%u: %s\n", d->file,
			    d->v[i].line, d->v[i].column, d->v[i].msg);
	}
	if (d->n > SPEC_MAX_DIAGS)
		fprintf(stderr, "%s: %u more errors\n", d->file,
		    d->n - SPEC_MAX_DIAGS);
}

static int
load_spec(const char *path, struct spec **out)
{
	struct spec_diags diags;
	int rc;

	memset(&diags, 0, sizeof(diags));
	rc = spec_load(path, out, &diags);
	if (rc == -EINVAL) {
		print_diags(&diags);
		return -1;
	}
	if (rc < 0) {
		fprintf(stderr, "failover-drill: %s: %s\n", path,
		    diags.n ? diags.v[0].msg : strerror(-rc));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ validate */

/*
 * validate --json: one object per spec on stdout, for editors and CI:
 * {"file", "ok", "drill" | null, "errors": [{"line", "column",
 * "message"}]}, in a JSON array.
 */
static json_t *
validate_json(const char *path)
{
	struct spec_diags diags;
	struct spec *s = NULL;
	json_t *errs = json_array(), *one;
	unsigned k;
	int rc;

	memset(&diags, 0, sizeof(diags));
	rc = spec_load(path, &s, &diags);
	for (k = 0; rc < 0 && k < diags.n && k < SPEC_MAX_DIAGS; k++)
		json_array_append_new(errs, json_pack("{s:i, s:i, s:s}",
		    "line", (int)diags.v[k].line, "column",
		    (int)diags.v[k].column, "message", diags.v[k].msg));
	if (rc < 0 && rc != -EINVAL && diags.n == 0)
		json_array_append_new(errs, json_pack("{s:i, s:i, s:s}",
		    "line", 0, "column", 0, "message", strerror(-rc)));
	one = json_pack("{s:s, s:b, s:o, s:o}", "file", path, "ok", rc == 0,
	    "drill", rc == 0 ? json_string(s->name) : json_null(),
	    "errors", errs);
	spec_free(s);
	return one;
}

static int
cmd_validate(int argc, char **argv)
{
	int i, bad = 0;
	bool as_json = false;
	json_t *all = NULL;

	for (i = 1; i < argc && strcmp(argv[i], "--json") != 0; i++)
		;
	if (i < argc) {
		as_json = true;
		memmove(argv + i, argv + i + 1,
		    (size_t)(argc - i - 1) * sizeof(*argv));
		argc--;
		all = json_array();
	}
	if (argc < 2)
		return usage_error("validate: %s", "no SPEC given");
	for (i = 1; i < argc; i++) {
		struct spec *s = NULL;

		if (as_json) {
			json_t *one = validate_json(argv[i]);

			bad += !json_is_true(json_object_get(one, "ok"));
			json_array_append_new(all, one);
			continue;
		}
		if (load_spec(argv[i], &s) < 0) {
			bad++;
			continue;
		}
		printf("%s: ok (drill %s)\n", argv[i], s->name);
		spec_free(s);
	}
	if (as_json) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(all);
	}
	return bad ? DRILL_USAGE : 0;
}

/* ------------------------------------------------------------ plan */

static int
cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct spec *s = NULL;
	bool dry = false, as_json = false;
	int c;

	optind = 0;	/* 0: re-read the optstring (the global parse used "+") */
	while ((c = getopt_long(argc, argv, "n", opts, NULL)) != -1) {
		if (c == 'J')
			as_json = true;
		else if (c == 'n')
			dry = true;
		else
			return usage_error("plan: %s", "bad option");
	}
	if (optind != argc - 1)
		return usage_error("plan: %s", "exactly one SPEC");
	if (load_spec(argv[optind], &s) < 0)
		return DRILL_USAGE;
	if (as_json) {
		json_t *plan = drill_plan_json(s, provider_cloud("azure"),
		    dry);

		json_dumpf(plan, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(plan);
	} else {
		drill_plan(s, provider_cloud("azure"), dry, stdout);
	}
	spec_free(s);
	return 0;
}

/* ------------------------------------------------------------ run */

static void
uuid4(char *buf, size_t len)
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t i;

	if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) {
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(rand() ^ (int)time(NULL));
	}
	if (fd >= 0)
		close(fd);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
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
 * SHA-256, and a copy next to the results (out/spec.json).
 */
static int
evidence(json_t *doc, const struct spec *s, const char *change,
    const char *out, struct fd_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char hex[2 * EVP_MAX_MD_SIZE + 1], who[320], host[256], copy[PATH_MAX];
	const struct passwd *pw = getpwuid(geteuid());
	char *text = NULL;
	size_t len = 0;
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
	json_object_set_new(doc, "evidence", json_pack("{s:s, s:o, s:s, s:o}",
	    "operator", who, "change_id", change ? json_string(change) :
	    json_null(), "spec_sha256", hex, "spec_copy", copy[0] ?
	    json_string("spec.json") : json_null()));
	return rc;
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

static int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "out", required_argument, NULL, 'o' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "change", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct drill_providers prov;
	struct drill_opts o;
	struct fd_clock clock, rclock;
	struct fd_error err = { 0 };
	struct spec *s = NULL;
	const char *metrics = NULL, *change = NULL;
	char out[PATH_MAX] = "", corr[40];
	bool dry = false, yes = false, tty;
	json_t *doc = NULL;
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
		default:
			return usage_error("run: %s", "bad option");
		}
	}
	if (optind != argc - 1)
		return usage_error("run: %s", "exactly one SPEC");
	if (load_spec(argv[optind], &s) < 0)
		return DRILL_USAGE;
	if (!dry && s->change_required && change == NULL) {
		fprintf(stderr, "failover-drill: run: %s requires a change id "
		    "(change_required): give --change ID\n", s->file);
		spec_free(s);
		return DRILL_USAGE;
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
	if (open_providers(s, &rclock, corr, &prov, &err) < 0) {
		fprintf(stderr, "failover-drill: %s\n", err.msg);
		close_providers(s, &prov);
		spec_free(s);
		return DRILL_UNCHECKED;
	}
	log_info("drill %s: %s, results in %s", s->name,
	    dry ? "dry run (no writes)" : "run", out);
	code = drill_run(s, &prov, &o, &doc, &err);
	close_providers(s, &prov);
	if (evidence(doc, s, change, out, &err) < 0)
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

/* ------------------------------------------------------------ recover */

/*
 * Where a recovered journal is kept: PATH.<UTC time>.recovered, with -N
 * added when that exists, so a circuit recovered twice keeps both
 * records.
 */
static void
recovered_name(const char *path, char *out, size_t len)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	unsigned n;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out, len, "%s.%s.recovered", path, ts);
	for (n = 2; access(out, F_OK) == 0 && n < 1000; n++)
		snprintf(out, len, "%s.%s-%u.recovered", path, ts, n);
}

/*
 * Finish one journal.  out (may be NULL: text on stdout) gets
 * {"journal", "drill", "circuit", "peering", "result": "enabled" |
 * "nothing to restore" | "failed", "kept_as", "error"} for --json.
 */
static int
recover_one(const char *path, json_t *out)
{
	struct journal_state js;
	struct fd_error err = { 0 };
	struct fd_clock clock;
	const struct cloud_ops *cloud = provider_cloud("azure");
	void *ctx = NULL;
	char corr[40], done[PATH_MAX + 64] = "";
	const char *result = "enabled";
	int lockfd = -1, rc;

	if (out != NULL)
		json_object_set_new(out, "journal", json_string(path));
	if ((rc = journal_read(path, &js, &err)) < 0)
		goto report;
	if ((rc = journal_lock(state_dir, &js.azure, &lockfd, &err)) < 0) {
		fd_error_prefix(&err, "%s", "not touching it");
		goto report;
	}
	if (out != NULL)
		json_object_update_new(out, json_pack("{s:s, s:s, s:s}",
		    "drill", js.drill, "circuit", js.azure.circuit,
		    "peering", js.azure.peering));
	else
		printf("journal %s: drill %s (pid %ld), circuit %s peering "
		    "%s\n", path, js.drill, (long)js.pid, js.azure.circuit,
		    js.azure.peering);
	clock_init_real(&clock, NULL);
	rc = 0;
	if (js.disable_intent && !js.enable_done) {
		uuid4(corr, sizeof(corr));
		if (cloud == NULL)
			rc = fd_error_set(&err, -ENOSYS, "no azure provider");
		else
			rc = cloud->open(&js.azure, &clock, corr, &ctx, &err);
	} else {
		result = "nothing to restore";
		if (out == NULL)
			printf("  no disable without a later enable: nothing "
			    "to restore\n");
	}
	/* The restore of run, journaled by drill_recover itself. */
	recovered_name(path, done, sizeof(done));
	if (rc == 0)
		rc = drill_recover(&js, cloud, ctx, &clock, 1800, done, &err);
	if (rc < 0)
		done[0] = '\0';
	if (ctx != NULL)
		cloud->close(ctx);
	journal_unlock(lockfd);
report:
	if (out != NULL) {
		json_object_set_new(out, "result", json_string(rc < 0 ?
		    "failed" : result));
		json_object_set_new(out, "kept_as", done[0] ?
		    json_string(done) : json_null());
		json_object_set_new(out, "error", rc < 0 ?
		    json_string(err.msg) : json_null());
	}
	if (rc < 0) {
		fprintf(stderr, "failover-drill: %s\n", err.msg);
		return DRILL_RESTORE_FAILED;
	}
	if (out == NULL)
		printf("  peering %s of circuit %s is Enabled; journal "
		    "closed\n", js.azure.peering, js.azure.circuit);
	return 0;
}

static int
cmd_recover(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "journal", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	char (*paths)[PATH_MAX] = NULL;
	struct fd_error err = { 0 };
	json_t *all = NULL;
	size_t n = 0, i;
	int c, code = 0;

	optind = 0;	/* 0: re-read the optstring (the global parse used "+") */
	while ((c = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
		if (c == 'J') {
			all = all ? all : json_array();
			continue;
		}
		if (c != 'j') {
			json_decref(all);
			return usage_error("recover: %s", "bad option");
		}
		snprintf(state_dir, sizeof(state_dir), "%s", optarg);
	}
	if (optind != argc)
		return usage_error("recover: %s", "unexpected argument");
	paths = calloc(64, sizeof(*paths));
	if (paths == NULL)
		return DRILL_RESTORE_FAILED;
	if (journal_list(state_dir, paths, 64, &n, &err) < 0) {
		fprintf(stderr, "failover-drill: %s\n", err.msg);
		free(paths);
		return DRILL_RESTORE_FAILED;
	}
	if (n == 0 && all == NULL)
		printf("no unfinished drill journal in %s\n", state_dir);
	for (i = 0; i < n && i < 64; i++) {
		json_t *one = all != NULL ? json_object() : NULL;

		if (recover_one(paths[i], one) != 0)
			code = DRILL_RESTORE_FAILED;
		if (one != NULL)
			json_array_append_new(all, one);
	}
	free(paths);
	if (all != NULL) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(all);
	}
	return code;
}

/* ------------------------------------------------------------ report */

static int
cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct fd_error err = { 0 };
	const char *format = "text";
	json_t *doc = NULL;
	int c, rc;

	optind = 0;	/* 0: re-read the optstring (the global parse used "+") */
	while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (c != 'f')
			return usage_error("report: %s", "bad option");
		format = optarg;
	}
	if (optind != argc - 1)
		return usage_error("report: %s", "exactly one RESULT.json");
	if (report_find(format) == NULL)
		return usage_error("report: unknown format '%s' (text, json, "
		    "junit, prom, html)", format);
	if (result_load(argv[optind], &doc, &err) < 0) {
		/* result_load() names the file itself. */
		fprintf(stderr, "failover-drill: %s\n", err.msg);
		return DRILL_USAGE;
	}
	rc = report_render(doc, format, stdout, &err);
	json_decref(doc);
	if (rc < 0) {
		fprintf(stderr, "failover-drill: report: %s\n", err.msg);
		return DRILL_USAGE;
	}
	return 0;
}

/* ------------------------------------------------------------ main */

static const struct {
	const char *name;
	int (*fn)(int, char **);
} verbs[] = {
	{ "validate", cmd_validate },
	{ "plan", cmd_plan },
	{ "run", cmd_run },
	{ "recover", cmd_recover },
	{ "report", cmd_report },
	{ "trace", cmd_trace },
};

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	bool tty = isatty(STDERR_FILENO);
	int level = tty ? LOG_INFO : LOG_WARN;
	size_t i;
	int c;

	/* "+": stop at the verb; its options are its own. */
	while ((c = getopt_long(argc, argv, "+hvq", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			if (level < LOG_DEBUG)
				level++;
			break;
		case 'q':
			level = LOG_ERROR;
			break;
		case 'V':
			printf("failover-drill %s\n", FD_VERSION);
			/* The run-time libraries (dlopen): exit 1 when one
			 * cannot be loaded, an install check. */
			return provider_libraries(stdout) ? 1 : 0;
		case 'S':
			snprintf(state_dir, sizeof(state_dir), "%s", optarg);
			break;
		default:
			usage(stderr);
			return DRILL_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no verb given");
	log_init((enum log_level)level, tty);
	default_state_dir();
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(argv[optind], verbs[i].name) != 0)
			continue;
		/* trace has its own, longer --help. */
		if (verbs[i].fn != cmd_trace &&
		    verb_help(argc - optind, argv + optind))
			return 0;
		return verbs[i].fn(argc - optind, argv + optind);
	}
	return usage_error("unknown verb '%s' (verbs are matched exactly)",
	    argv[optind]);
}
