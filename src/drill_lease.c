/*
 * The drill's three moments with its lease (lease.h, issue 14):
 * preflight reads it, the failover writes ours before the first peering
 * write and reads it back, and ours is removed once the peering is back
 * (or left, and said so, when the restore failed).
 */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "drill_priv.h"
#include "journal.h"
#include "log.h"


static void
whoami(char *buf, size_t len)
{
	const struct passwd *pw = getpwuid(geteuid());
	char host[256];

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(buf, len, "%s@%s", pw != NULL ? pw->pw_name : "unknown",
	    host);
}

/* As the peering writes are recorded (azure.operations): plan lists the
 * lease writes beside them, and plan's writes are the run's. */
static void
lease_op(struct drill *d, const char *action, const struct cloud_op_info *i,
    const char *status, double t0)
{
	json_array_append_new(d->ops, json_pack(
	    "{s:s, s:i, s:s, s:s, s:f, s:i}", "action", action,
	    "http_status", i->http_status, "request_id", i->request_id,
	    "status", status, "duration_s", clock_wall() - t0,
	    "attempts", 1));
}

#define CHECK_NAME "lease " CLOUD_LEASE_TAG " free"

/* A lease found on the circuit: 0 when we may go on (none, or expired:
 * then noted), else -EBUSY with msg saying whose. */
static int
judge(struct drill *d, const struct cloud_circuit *cc, char *msg,
    size_t len)
{
	struct lease l;
	struct fd_error e = { 0 };
	char who[256];

	if (!cc->lease_found)
		return 0;
	if (lease_parse(cc->lease, &l, &e) < 0) {
		snprintf(msg, len, "circuit %s carries an unreadable lease "
		    "tag %s='%s' (%s); if no drill runs, remove it: az tag "
		    "update --operation Delete --resource-id <the circuit's "
		    "id> --tags '%s=%s'", d->s->azure.circuit,
		    CLOUD_LEASE_TAG, cc->lease, e.msg, CLOUD_LEASE_TAG,
		    cc->lease);
		return -EBUSY;
	}
	lease_holder_str(&l, who, sizeof(who));
	if (!lease_expired(&l, time(NULL))) {
		snprintf(msg, len, "circuit %s is leased %s: another drill "
		    "runs; nothing changed", d->s->azure.circuit, who);
		return -EBUSY;
	}
	/* Expired: its drill ended without removing it (killed, its host
	 * gone).  Never honoured silently: said, recorded, replaced. */
	d->lease.stale = true;
	snprintf(d->lease.seen, sizeof(d->lease.seen), "%s", cc->lease);
	snprintf(msg, len, "a stale lease on circuit %s, %s, has expired: "
	    "its drill ended without removing it; this run %s", d->s->azure.
	    circuit, who, d->o->dry_run ? "leaves it (dry run)" :
	    "replaces it");
	return 0;
}

int
lease_preflight(struct drill *d)
{
	char msg[FD_ERROR_MSG];
	json_t *c;
	int rc;

	if (d->p->cloud->lease_set == NULL || !d->have_before ||
	    !d->before.lease_found)
		return 0;
	rc = judge(d, &d->before, msg, sizeof(msg));
	if (rc < 0) {
		d->lease.refused = true;
		record_check(d, CHECK_NAME, rc, msg, 0);
		/* The headline: during another drill the other checks fail
		 * too (its peering is disabled), and the lease says why. */
		snprintf(d->error, sizeof(d->error), "%s: %s", d->phase, msg);
		return rc;
	}
	log_warn("%s", msg);
	c = record_check(d, CHECK_NAME, 0, msg, 0);
	json_object_set_new(c, "message", json_string(msg));
	return 0;
}

int
lease_take(struct drill *d, struct fd_error *err)
{
	const struct cloud_ops *cl = d->p->cloud;
	struct cloud_circuit cc;
	struct cloud_op_info info;
	struct lease l;
	char who[320], msg[FD_ERROR_MSG];
	time_t now = time(NULL);
	double t0;
	int rc;

	if (cl->lease_set == NULL || cl->lease_clear == NULL)
		return 0;
	d->lease.refused = true;	/* until ours is on the circuit */
	/* Read it again right before ours goes on: preflight and baseline
	 * took time, and another drill may have started meanwhile. */
	if ((rc = cl->circuit(d->p->cloud_ctx, &cc, err)) < 0)
		return fd_error_prefix(err, "aborted before any change: "
		    "reading the lease");
	if (judge(d, &cc, msg, sizeof(msg)) < 0)
		return fd_error_set(err, -EBUSY, "aborted before any change: "
		    "%s", msg);
	whoami(who, sizeof(who));
	lease_init(&l, d->s->name, who, d->o->change_id, now, now +
	    (time_t)d->s->timeouts.drill_s + (time_t)d->s->timeouts.restore_s);
	if ((rc = lease_format(&l, d->lease.value, sizeof(d->lease.value),
	    err)) < 0)
		return rc;
	t0 = clock_wall();
	memset(&info, 0, sizeof(info));
	rc = cl->lease_set(d->p->cloud_ctx, d->lease.value, &info, err);
	lease_op(d, "lease-set", &info, rc == 0 ? "Succeeded" : "Failed",
	    t0);
	if (rc < 0) {
		char m[FD_ERROR_MSG];

		/* An unknown outcome (timeout, 5xx) may have left ours on:
		 * removed like a written one. */
		d->lease.written = !err->unchanged;
		snprintf(m, sizeof(m), "aborted before any change: the lease "
		    "could not be written: %s%s%s", err->msg,
		    err->request_id[0] && !strstr(err->msg, err->request_id) ?
		    " (request id " : "", err->request_id[0] &&
		    !strstr(err->msg, err->request_id) ? err->request_id : "");
		snprintf(err->msg, sizeof(err->msg), "%s", m);
		return rc;
	}
	d->lease.written = true;
	if (d->journal != NULL &&
	    journal_note(d->journal, JOURNAL_LEASE_WRITTEN, d->lease.value,
	    NULL) < 0)
		log_warn("journal: could not record the lease");
	log_info("lease %s=%s written on circuit %s", CLOUD_LEASE_TAG,
	    d->lease.value, d->s->azure.circuit);
	/*
	 * Read it back: did ours win?  This narrows the race between two
	 * drills but cannot close it: Tags_UpdateAtScope takes no If-Match
	 * (azure-rest-api-specs Microsoft.Resources/stable/2021-04-01/
	 * resources.json lists only scope, api-version and the body), so no
	 * write is conditional and the last writer wins.  Two drills whose
	 * reads above both came before either write, and whose read-backs
	 * each came before the other's write, both go on.
	 */
	if ((rc = cl->circuit(d->p->cloud_ctx, &cc, err)) < 0)
		return fd_error_prefix(err, "aborted before any change: "
		    "reading the lease back");
	if (!cc.lease_found || strcmp(cc.lease, d->lease.value) != 0)
		return fd_error_set(err, -EBUSY, "aborted before any change: "
		    "another writer's lease won on circuit %s: %s='%s'",
		    d->s->azure.circuit, CLOUD_LEASE_TAG, cc.lease_found ?
		    cc.lease : "(none)");
	d->lease.refused = false;
	return 0;
}

void
lease_release(struct drill *d)
{
	const struct cloud_ops *cl = d->p->cloud;
	struct cloud_op_info info;
	struct fd_error err = { 0 };
	char msg[FD_ERROR_MSG];
	double t0 = clock_wall();
	int rc;

	if (!d->lease.written || d->lease.removed || cl->lease_clear == NULL)
		return;
	memset(&info, 0, sizeof(info));
	/* Delete by name and value: a lease another drill wrote over ours
	 * stays. */
	rc = cl->lease_clear(d->p->cloud_ctx, d->lease.value, &info, &err);
	lease_op(d, "lease-clear", &info, rc == 0 ? "Succeeded" : "Failed",
	    t0);
	if (rc == 0) {
		d->lease.removed = true;
		if (d->journal != NULL &&
		    journal_note(d->journal, JOURNAL_LEASE_REMOVED,
		    d->lease.value, NULL) < 0)
			log_warn("journal: could not record the lease "
			    "removal");
		log_info("lease %s removed from circuit %s", CLOUD_LEASE_TAG,
		    d->s->azure.circuit);
		return;
	}
	/* Never a reason to skip anything: the lease expires by itself;
	 * until then it tells others a drill runs. */
	snprintf(msg, sizeof(msg), "could not remove %s='%s' from circuit "
	    "%s: %s%s%s; it expires by itself at its until", CLOUD_LEASE_TAG,
	    d->lease.value, d->s->azure.circuit, err.msg, err.request_id[0] &&
	    !strstr(err.msg, err.request_id) ? " request id " : "",
	    err.request_id[0] && !strstr(err.msg, err.request_id) ?
	    err.request_id : "");
	snprintf(d->lease.remove_error, sizeof(d->lease.remove_error), "%s",
	    msg);
	log_warn("lease: %s", msg);
	record_check(d, "lease " CLOUD_LEASE_TAG " removed", rc, msg, 0);
}

void
lease_leave(struct drill *d)
{
	if (!d->lease.written || d->lease.removed)
		return;
	snprintf(d->lease.remove_error, sizeof(d->lease.remove_error),
	    "left on circuit %s: the restore failed, so the drill is not "
	    "over; it expires by itself at its until", d->s->azure.circuit);
	log_warn("lease %s='%s' %s", CLOUD_LEASE_TAG, d->lease.value,
	    d->lease.remove_error);
}

/* A string, or null when s is "" (every member is always there). */
static json_t *
str_or_null(bool have, const char *s)
{
	return have && s[0] != '\0' ? json_string(s) : json_null();
}

void
lease_record(struct drill *d)
{
	json_t *o;

	if (!d->lease.written && !d->lease.stale && !d->lease.refused)
		return;
	o = json_pack("{s:o, s:b, s:b, s:o, s:o}", "value",
	    str_or_null(true, d->lease.value), "written", d->lease.written,
	    "removed", d->lease.removed, "stale", str_or_null(d->lease.stale,
	    d->lease.seen), "not_removed", str_or_null(true,
	    d->lease.remove_error));
	json_object_set_new(json_object_get(d->doc, "azure"), "lease", o);
}
