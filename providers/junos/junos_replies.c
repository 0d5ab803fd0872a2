/*
 * junos_replies.h: the replies junos.c parsed, one file each, written
 * whole (a temporary file renamed over the name) so a reader never sees
 * half a reply.  Not fsync'ed: the writes run on the device's collector
 * thread inside timed phases, and they are evidence, not state the drill
 * needs back after a crash (journal.c is).  Only replies are saved: the
 * commands are read-only show commands built from spec tokens
 * (junos.h), and no credential travels on them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "junos_replies.h"
#include "log.h"

/* A file name stays within NAME_MAX (255) with the device name (31),
 * "__", the extension and the temporary name's ".XXXXXX" around it. */
#define SLUG_MAX 180

void
junos_replies_set(struct junos_replies *r, const char *dir,
    struct device_replies *budget)
{
	if (dir == NULL || budget == NULL ||
	    strlen(dir) >= sizeof(r->dir)) {
		r->dir[0] = '\0';
		r->budget = NULL;
		return;
	}
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	r->budget = budget;
	r->warned = false;
}

/* Letters, digits, '.' and '-' kept, everything else '_'. */
static void
slug(const char *s, size_t max, char *buf)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < max; i++) {
		unsigned char ch = (unsigned char)s[i];

		buf[i] = ((ch >= 'a' && ch <= 'z') || (ch >= 'A' &&
		    ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		    ch == '-') ? (char)ch : '_';
	}
	buf[i] = '\0';
}

/* "<device>__<command>": a command too long for a file name is cut and
 * told apart by a hash of the whole (FNV-1a). */
static void
reply_stem(const char *device, const char *cmd, char *buf, size_t len)
{
	char d[64], c[SLUG_MAX + 1];
	uint32_t h = 2166136261u;
	const char *p;

	slug(device, sizeof(d) - 1, d);
	if (strlen(cmd) <= SLUG_MAX) {
		slug(cmd, SLUG_MAX, c);
		snprintf(buf, len, "%s__%s", d, c);
		return;
	}
	for (p = cmd; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	slug(cmd, SLUG_MAX - 9, c);
	snprintf(buf, len, "%s__%s~%08x", d, c, (unsigned)h);
}

/* mkdir -p: the result directory exists, replies/ and the phase's
 * directory are made on the first reply. */
static int
make_dirs(const char *dir)
{
	char p[PATH_MAX];
	size_t i;

	snprintf(p, sizeof(p), "%s", dir);
	for (i = 1; p[i] != '\0'; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		p[i] = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
write_whole(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
save_failed(struct junos_replies *r, const char *path, int rc)
{
	/* Once per phase and device: a full disk would say it per reply. */
	if (r->warned) {
		log_debug("replies: %s not saved: %s", path, strerror(-rc));
		return;
	}
	r->warned = true;
	log_warn("replies: %s not saved: %s (the drill goes on; later "
	    "failures of this device in this phase are logged with -vv)",
	    path, strerror(-rc));
}

/* Within the drill's budget?  Past it, nothing more is saved by any
 * device, and the first to find it full says so. */
static bool
budget_take(struct device_replies *b, const char *device, const char *cmd,
    size_t len)
{
	uint64_t used;

	if (atomic_load(&b->full))
		return false;
	used = atomic_fetch_add(&b->used, (uint64_t)len) + len;
	if (used <= b->max_bytes)
		return true;
	if (!atomic_exchange(&b->full, true))
		log_warn("replies: the device replies of this drill reached "
		    "their limit of %llu bytes: the reply of %s: %s and every "
		    "later reply are not saved", (unsigned long long)
		    b->max_bytes, device, cmd);
	return false;
}

void
junos_replies_save(struct junos_replies *r, const char *device,
    const char *cmd, const char *ext, const char *buf, size_t len)
{
	static const char *const exts[] = { "json", "xml", "txt" };
	char stem[256], path[PATH_MAX + 256], other[PATH_MAX + 256];
	char *tmp = NULL;
	size_t i;
	int fd = -1, rc;

	if (r->dir[0] == '\0' || r->budget == NULL)
		return;
	if (!budget_take(r->budget, device, cmd, len))
		return;
	reply_stem(device, cmd, stem, sizeof(stem));
	snprintf(path, sizeof(path), "%s/%s.%s", r->dir, stem, ext);
	if ((rc = make_dirs(r->dir)) < 0) {
		save_failed(r, r->dir, rc);
		return;
	}
	if (asprintf(&tmp, "%s/.%s.%s.XXXXXX", r->dir, stem, ext) < 0) {
		save_failed(r, path, -ENOMEM);
		return;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		rc = -errno;
		goto fail;
	}
	/* Like the reports (result_write.c): readable by reviewers, no
	 * secret in them. */
	if (fchmod(fd, 0644) < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = write_whole(fd, buf, len)) < 0)
		goto fail;
	rc = close(fd);
	fd = -1;
	if (rc < 0 || rename(tmp, path) < 0) {
		rc = -errno;
		goto fail;
	}
	free(tmp);
	/* The same command's reply in another format, from an earlier try,
	 * is no longer the one parsed. */
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		if (strcmp(exts[i], ext) == 0)
			continue;
		snprintf(other, sizeof(other), "%s/%s.%s", r->dir, stem,
		    exts[i]);
		if (unlink(other) < 0 && errno != ENOENT)
			save_failed(r, other, -errno);
	}
	return;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	save_failed(r, path, rc);
}
