/*
 * The drill journal: one JSON-lines file per circuit in the state
 * directory, fsync'ed after every record.  Intent is written before each
 * mutation and its outcome after, so `failover-drill recover` can finish
 * the restore of a drill that was killed.  The journal holds the Azure
 * coordinates (never credentials).  A journal that exists in the state
 * directory is unfinished; a finished one is moved to the result directory.
 *
 * Records (the names on disk never change: a journal written by an older
 * version must still recover):
 *          {"t":…,"event":"begin","pid":…,"drill":…,"spec":…,"azure":{…}}
 *          {"t":…,"event":"before","state":…,"ipv6_state":…}
 *          {"t":…,"event":"intent","action":"disable"|"enable"}
 *          {"t":…,"event":"done","action":…,"status":"ok"|"error"|
 *           "refused","detail":…}
 *          {"t":…,"event":"end","outcome":…}
 *          {"t":…,"event":"guardian","status":"armed","detail":
 *           "pid=N deadline_s=S timer=UNIT|none"}	(guardian.h)
 *          {"t":…,"event":"recover","status":"started","detail":
 *           "by NAME"}			(recover --by NAME)
 */
#ifndef FD_JOURNAL_H
#define FD_JOURNAL_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "provider.h"

struct journal;

/* "<subscription>_<resource group>_<circuit>_<peering>", sanitised. */
void journal_key(const struct azure_cfg *az, char *buf, size_t len);
/* Path of the journal for this circuit in dir. */
void journal_path(const char *dir, const struct azure_cfg *az, char *buf,
    size_t len);

/* Take the per-circuit lock (flock on <key>.lock); -EBUSY when another
 * drill holds it.  *fd is closed by journal_unlock(). */
int journal_lock(const char *dir, const struct azure_cfg *az, int *fd,
    struct fd_error *err);
void journal_unlock(int fd);

/* Create the journal (O_EXCL: -EEXIST when an unfinished one exists). */
int journal_open(const char *dir, const struct azure_cfg *az,
    const char *drill, const char *spec_path, struct journal **out,
    struct fd_error *err);
enum journal_event {
	JOURNAL_BEGIN,
	JOURNAL_BEFORE,
	JOURNAL_INTENT,
	JOURNAL_DONE,
	JOURNAL_END,
	JOURNAL_EVENTS,			/* count; never written */
};

enum journal_action { JOURNAL_DISABLE, JOURNAL_ENABLE };

enum journal_status {
	JOURNAL_OK,
	JOURNAL_ERROR,
	JOURNAL_REFUSED,		/* nothing changed (a 4xx) */
};

/* Before a peering write: what is about to be tried. */
int journal_intent(struct journal *j, enum journal_action action,
    struct fd_error *err);
/* After it: how it ended; detail (may be NULL) the request id or the
 * error. */
int journal_done(struct journal *j, enum journal_action action,
    enum journal_status status, const char *detail, struct fd_error *err);
/* Who else acts on this drill (issue 14): the guardian run started,
 * a recover run by it (detail "by NAME").  Not read back. */
enum journal_note { JOURNAL_GUARDIAN_ARMED, JOURNAL_RECOVER_BY,
	/* The lease tag (lease.h): detail its value.  Read back: recover
	 * says which lease remains. */
	JOURNAL_LEASE_WRITTEN, JOURNAL_LEASE_REMOVED };
int journal_note(struct journal *j, enum journal_note note,
    const char *detail, struct fd_error *err);
/* The peering's IPv4 and IPv6 states before the drill changes them
 * (ipv6 CLOUD_STATE_NONE when the peering is not dual-stack): what
 * restore and recover put back. */
int journal_before(struct journal *j, enum cloud_state state,
    enum cloud_state ipv6, struct fd_error *err);
/* Write the end record, copy the file to move_to (a file path; NULL:
 * none), remove it from the state directory, free j. */
int journal_finish(struct journal *j, const char *outcome,
    const char *move_to, struct fd_error *err);
/* Close without an end record (the journal stays unfinished). */
void journal_free(struct journal *j);

/* Reopen an existing journal for appending (recover). */
int journal_reopen(const char *path, struct journal **out,
    struct fd_error *err);
const char *journal_file(const struct journal *j);

struct journal_state {
	char path[PATH_MAX];
	struct azure_cfg azure;
	char drill[64];
	char spec[PATH_MAX];
	pid_t pid;
	bool disable_intent;	/* a disable was attempted */
	bool enable_done;	/* the last enable succeeded after it */
	bool ended;
	unsigned records;
	enum journal_event last;	/* the last record read */
	/* The "before" record; older versions wrote none. */
	bool have_before;
	enum cloud_state state_before;
	enum cloud_state ipv6_before;
	/* The lease the drill wrote and did not remove, "" when none. */
	char lease[CLOUD_LEASE_MAX + 1];
};

int journal_read(const char *path, struct journal_state *out,
    struct fd_error *err);
/* Unfinished journals in dir: up to max paths; *n is the count. */
int journal_list(const char *dir, char (*paths)[PATH_MAX], size_t max,
    size_t *n, struct fd_error *err);

/* mkdir -p with mode 0700. */
int journal_mkdirs(const char *dir, struct fd_error *err);

#endif
