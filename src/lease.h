/*
 * The drill's lease (issue 14): a tag on the circuit, CLOUD_LEASE_TAG,
 * that tells every operator on every host who drills the circuit until
 * when.  Hosts share no lock file; Azure is what they all see.
 *
 *   drill=<spec name>; by=<user@host>; since=<UTC>; until=<UTC>;
 *   change=<id or ->
 *
 * Times are RFC 3339 UTC to the second ("2026-11-29T06:00:00Z").  The
 * value never passes CLOUD_LEASE_MAX (Azure's tag value limit): the
 * fields are cut to fixed lengths, and ';' '=' and anything but
 * printable ASCII in them become '_', so the value always parses back.
 */
#ifndef FD_LEASE_H
#define FD_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"
#include "provider.h"

#define LEASE_DRILL_MAX 64
#define LEASE_BY_MAX 64
#define LEASE_CHANGE_MAX 48

struct lease {
	char drill[LEASE_DRILL_MAX + 1];
	char by[LEASE_BY_MAX + 1];
	char change[LEASE_CHANGE_MAX + 1];	/* "-" when none */
	time_t since, until;
};

/* Fill l from free text: each field cut and cleaned as above; change
 * NULL or "" is "-". */
void lease_init(struct lease *l, const char *drill, const char *by,
    const char *change, time_t since, time_t until);
/* The tag value; -ENOSPC when len is too small (CLOUD_LEASE_MAX + 1 is
 * always enough). */
int lease_format(const struct lease *l, char *buf, size_t len,
    struct fd_error *err);
/* Parse a tag value: drill, by, since and until are required, change
 * optional, other keys ignored (a later version may add some), a key
 * twice, a field too long, a bad time or a value over CLOUD_LEASE_MAX
 * are -EBADMSG naming what. */
int lease_parse(const char *s, struct lease *out, struct fd_error *err);
/* Expired: now is at or past until. */
bool lease_expired(const struct lease *l, time_t now);
/* "by U (drill D, change C) until T" for messages. */
void lease_holder_str(const struct lease *l, char *buf, size_t len);
/* "2026-11-29T06:00:00Z" (buf at least 21). */
const char *lease_time_str(time_t t, char *buf, size_t len);

/* What one run did with its lease (the engine's; lease.c). */
struct drill_lease {
	bool refused;		/* held by another, or not written: exit 5 */
	bool written;		/* our value is (or was) on the circuit */
	bool removed;
	bool stale;		/* an expired lease was found and replaced */
	char value[CLOUD_LEASE_MAX + 1];	/* ours */
	char seen[CLOUD_LEASE_MAX + 1];		/* the stale one */
	char remove_error[FD_ERROR_MSG];
};

#endif
