/* The "recover" verb; see failover-drill(1). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "journal.h"
#include "provider.h"
#include "restore.h"

/* --by: who runs this recover ("guardian", "systemd-timer"; NULL: an
 * operator or the boot service), in the journal and the output. */
static const char *recover_by;

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
	/* Issue 14: recover leaves the drill's lease tag; it expires at its
	 * until. */
	if (js.lease[0] != '\0' && out != NULL)
		json_object_set_new(out, "lease", json_string(js.lease));
	else if (js.lease[0] != '\0')
		printf("  lease tag %s='%s' remains on circuit %s: recover "
		    "leaves it; it expires at its until (or remove it: az tag "
		    "update --operation Delete)\n", CLOUD_LEASE_TAG, js.lease,
		    js.azure.circuit);
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
	/* Who runs this recover, in the journal before its restore. */
	if (recover_by != NULL && rc == 0) {
		struct journal *j = NULL;
		char by[96];

		snprintf(by, sizeof(by), "by %s", recover_by);
		if (journal_reopen(path, &j, &err) == 0) {
			if (journal_note(j, JOURNAL_RECOVER_BY, by, &err) < 0)
				fprintf(stderr, "failover-drill: %s\n",
				    err.msg);
			journal_free(j);
		}
		fd_error_clear(&err);
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
		json_object_set_new(out, "by", recover_by ?
		    json_string(recover_by) : json_null());
	}
	if (rc < 0) {
		fprintf(stderr, "failover-drill: %s\n", err.msg);
		return DRILL_RESTORE_FAILED;
	}
	if (out == NULL)
		printf("  peering %s of circuit %s is Enabled%s%s%s; journal "
		    "closed\n", js.azure.peering, js.azure.circuit,
		    recover_by ? " (restored by the " : "", recover_by ?
		    recover_by : "", recover_by ? ")" : "");
	return 0;
}

int
cmd_recover(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "journal", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ "by", required_argument, NULL, 'b' },
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
		if (c == 'b' && *optarg != '\0' && strlen(optarg) < 64 &&
		    strspn(optarg, "abcdefghijklmnopqrstuvwxyz-") ==
		    strlen(optarg)) {
			recover_by = optarg;
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
