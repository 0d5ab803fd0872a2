#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "journal.h"

struct journal {
	int fd;
	char path[PATH_MAX];
};

void
journal_key(const struct azure_cfg *az, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s_%s_%s_%s", az->subscription,
	    az->resource_group, az->circuit, az->peering);
	for (i = 0; buf[i]; i++)
		if (!isalnum((unsigned char)buf[i]) && buf[i] != '-' &&
		    buf[i] != '_' && buf[i] != '.')
			buf[i] = '_';
}

void
journal_path(const char *dir, const struct azure_cfg *az, char *buf,
    size_t len)
{
	char key[512];

	journal_key(az, key, sizeof(key));
	snprintf(buf, len, "%s/%s.journal", dir, key);
}

int
journal_mkdirs(const char *dir, struct fd_error *err)
{
	char tmp[PATH_MAX], *p;

	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return fd_error_set(err, -ENAMETOOLONG, "%s: path too long",
		    dir);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return fd_error_set(err, -errno, "mkdir %s: %s", tmp,
			    strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return fd_error_set(err, -errno, "mkdir %s: %s", tmp,
		    strerror(errno));
	return 0;
}

static int
fsync_dir(const char *path)
{
	char tmp[PATH_MAX];
	int fd, rc;

	snprintf(tmp, sizeof(tmp), "%s", path);
	fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int
journal_lock(const char *dir, const struct azure_cfg *az, int *fd,
    struct fd_error *err)
{
	char key[512], path[PATH_MAX], pid[32];
	int lfd, rc;
	ssize_t n;

	if ((rc = journal_mkdirs(dir, err)) < 0)
		return rc;
	journal_key(az, key, sizeof(key));
	snprintf(path, sizeof(path), "%s/%s.lock", dir, key);
	lfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0)
		return fd_error_set(err, -errno, "%s: %s", path,
		    strerror(errno));
	if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		memset(pid, 0, sizeof(pid));
		n = pread(lfd, pid, sizeof(pid) - 1, 0);
		close(lfd);
		return fd_error_set(err, rc,
		    "another drill (pid %s) holds the lock on circuit %s "
		    "peering %s (%s)", n > 0 ? pid : "?", az->circuit,
		    az->peering, path);
	}
	if (ftruncate(lfd, 0) == 0) {
		n = snprintf(pid, sizeof(pid), "%ld", (long)getpid());
		if (pwrite(lfd, pid, (size_t)n, 0) < 0)
			(void)0;	/* the pid is informational only */
	}
	*fd = lfd;
	return 0;
}

void
journal_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}

static int
write_record(struct journal *j, json_t *rec, struct fd_error *err)
{
	char *line;
	size_t len, off = 0;
	int rc = 0;

	json_object_set_new(rec, "t", json_real(clock_wall()));
	line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(rec);
	if (line == NULL)
		return fd_error_set(err, -ENOMEM, "journal: out of memory");
	len = strlen(line);
	line[len++] = '\n';	/* json_dumps left room: replace the NUL */
	while (off < len) {
		ssize_t w = write(j->fd, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = fd_error_set(err, -errno, "journal %s: write: %s",
			    j->path, strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	free(line);
	if (rc == 0 && fsync(j->fd) < 0)
		rc = fd_error_set(err, -errno, "journal %s: fsync: %s",
		    j->path, strerror(errno));
	return rc;
}

/* The names on disk, one table for writer and reader. */
static const char *const event_names[] = {
	[JOURNAL_BEGIN] = "begin",
	[JOURNAL_BEFORE] = "before",
	[JOURNAL_INTENT] = "intent",
	[JOURNAL_DONE] = "done",
	[JOURNAL_END] = "end",
};

static const char *const action_names[] = {
	[JOURNAL_DISABLE] = "disable",
	[JOURNAL_ENABLE] = "enable",
};

static const char *const status_names[] = {
	[JOURNAL_OK] = "ok",
	[JOURNAL_ERROR] = "error",
	[JOURNAL_REFUSED] = "refused",
};

/* Index of s in names, -1 when absent or NULL. */
static int
name_index(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

#define NAME_INDEX(tab, s) \
	name_index((tab), sizeof(tab) / sizeof((tab)[0]), (s))

/* The Azure coordinates a journal keeps, written and read by one table so
 * the two cannot drift apart. */
#define AZ_FIELD(k) { #k, offsetof(struct azure_cfg, k), \
	sizeof(((struct azure_cfg *)0)->k) }

static const struct {
	const char *key;
	size_t off, len;
} az_fields[] = {
	AZ_FIELD(subscription), AZ_FIELD(resource_group), AZ_FIELD(circuit),
	AZ_FIELD(peering), AZ_FIELD(cloud), AZ_FIELD(arm_endpoint),
	AZ_FIELD(authority), AZ_FIELD(ca_bundle), AZ_FIELD(api_version),
	AZ_FIELD(audience),
};

static json_t *
azure_to_json(const struct azure_cfg *az)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < sizeof(az_fields) / sizeof(az_fields[0]); i++)
		json_object_set_new(o, az_fields[i].key, json_string(
		    (const char *)az + az_fields[i].off));
	json_object_set_new(o, "ipv6", json_boolean(az->ipv6));
	return o;
}

static void
azure_from_json(const json_t *o, struct azure_cfg *az)
{
	size_t i;

	for (i = 0; i < sizeof(az_fields) / sizeof(az_fields[0]); i++) {
		const char *v = json_string_value(json_object_get(o,
		    az_fields[i].key));

		snprintf((char *)az + az_fields[i].off, az_fields[i].len,
		    "%s", v ? v : "");
	}
	az->ipv6 = json_is_true(json_object_get(o, "ipv6"));
}

int
journal_open(const char *dir, const struct azure_cfg *az, const char *drill,
    const char *spec_path, struct journal **out, struct fd_error *err)
{
	struct journal *j;
	json_t *rec;
	int rc;

	if ((rc = journal_mkdirs(dir, err)) < 0)
		return rc;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	journal_path(dir, az, j->path, sizeof(j->path));
	j->fd = open(j->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND |
	    O_CLOEXEC, 0600);
	if (j->fd < 0) {
		rc = fd_error_set(err, -errno, "journal %s: %s", j->path,
		    errno == EEXIST ? "an unfinished drill exists" :
		    strerror(errno));
		free(j);
		return rc;
	}
	rec = json_pack("{s:s, s:I, s:s, s:s, s:o}", "event",
	    event_names[JOURNAL_BEGIN],
	    "pid", (json_int_t)getpid(), "drill", drill, "spec",
	    spec_path ? spec_path : "", "azure", azure_to_json(az));
	if ((rc = write_record(j, rec, err)) < 0 ||
	    (rc = fsync_dir(j->path)) < 0) {
		if (rc != err->code)
			fd_error_set(err, rc, "journal %s: fsync dir", j->path);
		close(j->fd);
		unlink(j->path);
		free(j);
		return rc;
	}
	*out = j;
	return 0;
}

int
journal_reopen(const char *path, struct journal **out, struct fd_error *err)
{
	struct journal *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	snprintf(j->path, sizeof(j->path), "%s", path);
	j->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (j->fd < 0) {
		int rc = fd_error_set(err, -errno, "journal %s: %s", path,
		    strerror(errno));

		free(j);
		return rc;
	}
	*out = j;
	return 0;
}

const char *
journal_file(const struct journal *j)
{
	return j->path;
}

int
journal_intent(struct journal *j, enum journal_action action,
    struct fd_error *err)
{
	return write_record(j, json_pack("{s:s, s:s}", "event",
	    event_names[JOURNAL_INTENT], "action", action_names[action]), err);
}

int
journal_done(struct journal *j, enum journal_action action,
    enum journal_status status, const char *detail, struct fd_error *err)
{
	json_t *rec = json_pack("{s:s, s:s, s:s}", "event",
	    event_names[JOURNAL_DONE], "action", action_names[action],
	    "status", status_names[status]);

	if (detail != NULL && *detail)
		json_object_set_new(rec, "detail", json_string(detail));
	return write_record(j, rec, err);
}

/* Issue 14 (guardian.h): records recover reads past (journal_read skips
 * kinds it does not act on). */
int
journal_note(struct journal *j, enum journal_note note, const char *detail,
    struct fd_error *err)
{
	static const char *const ev[] = { "guardian", "recover", "lease",
	    "lease" }, *const st[] = { "armed", "started", "written",
	    "removed" };

	return write_record(j, json_pack("{s:s, s:s, s:s}", "event",
	    ev[note], "status", st[note], "detail", detail ? detail : ""),
	    err);
}

int
journal_before(struct journal *j, enum cloud_state state,
    enum cloud_state ipv6, struct fd_error *err)
{
	return write_record(j, json_pack("{s:s, s:s, s:s}", "event",
	    event_names[JOURNAL_BEFORE], "state", cloud_state_str(state),
	    "ipv6_state", cloud_state_str(ipv6)), err);
}

static int
copy_file(const char *from, const char *to)
{
	char buf[8192];
	int in, outfd, rc = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	outfd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (outfd < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(outfd, buf, (size_t)n) != n) {
			rc = -EIO;
			break;
		}
	if (n < 0)
		rc = -errno;
	if (rc == 0 && fsync(outfd) < 0)
		rc = -errno;
	close(outfd);
	close(in);
	return rc;
}

int
journal_finish(struct journal *j, const char *outcome, const char *move_to,
    struct fd_error *err)
{
	char dst[PATH_MAX];
	int rc;

	rc = write_record(j, json_pack("{s:s, s:s}", "event",
	    event_names[JOURNAL_END], "outcome", outcome), err);
	if (rc < 0) {
		journal_free(j);
		return rc;
	}
	close(j->fd);
	j->fd = -1;
	if (move_to != NULL) {
		snprintf(dst, sizeof(dst), "%s", move_to);
		if ((rc = copy_file(j->path, dst)) < 0) {
			fd_error_set(err, rc, "copy journal to %s: %s", dst,
			    strerror(-rc));
			free(j);
			return rc;	/* keep it where recover finds it */
		}
	}
	if (unlink(j->path) < 0)
		rc = fd_error_set(err, -errno, "remove journal %s: %s",
		    j->path, strerror(errno));
	else
		fsync_dir(j->path);
	free(j);
	return rc;
}

void
journal_free(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j);
}

static void
jstr(const json_t *o, const char *key, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(buf, len, "%s", s ? s : "");
}

/* A state of the "before" record; a word this version does not know
 * is CLOUD_STATE_UNKNOWN, never a guess. */
static void
before_state(const json_t *rec, const char *key, enum cloud_state *out)
{
	const char *s = json_string_value(json_object_get(rec, key));

	if (cloud_state_parse(s ? s : "", out) < 0)
		*out = CLOUD_STATE_UNKNOWN;
}

int
journal_read(const char *path, struct journal_state *out,
    struct fd_error *err)
{
	struct journal_state st;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	FILE *f;
	int rc = 0;

	memset(&st, 0, sizeof(st));
	snprintf(st.path, sizeof(st.path), "%s", path);
	f = fopen(path, "r");
	if (f == NULL)
		return fd_error_set(err, -errno, "journal %s: %s", path,
		    strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		json_error_t jerr;
		json_t *rec;
		int ev, act, status;

		lineno++;
		rec = json_loads(line, 0, &jerr);
		if (rec == NULL) {
			/* A torn last line (killed mid-write) is expected;
			 * anything before it is corruption. */
			if (!feof(f) && fgetc(f) != EOF) {
				rc = fd_error_set(err, -EPROTO,
				    "journal %s:%u: %s", path, lineno,
				    jerr.text);
				break;
			}
			break;
		}
		st.records++;
		ev = NAME_INDEX(event_names, json_string_value(
		    json_object_get(rec, "event")));
		act = NAME_INDEX(action_names, json_string_value(
		    json_object_get(rec, "action")));
		status = NAME_INDEX(status_names, json_string_value(
		    json_object_get(rec, "status")));
		/* Records of a kind this version does not know are
		 * skipped. */
		if (ev >= 0)
			st.last = (enum journal_event)ev;
		/* Issue 14: the lease the drill wrote, until removed. */
		if (ev < 0 && json_is_string(json_object_get(rec, "event")) &&
		    strcmp(json_string_value(json_object_get(rec, "event")),
		    "lease") == 0) {
			if (json_is_string(json_object_get(rec, "status")) &&
			    strcmp(json_string_value(json_object_get(rec,
			    "status")), "written") == 0)
				jstr(rec, "detail", st.lease,
				    sizeof(st.lease));
			else
				st.lease[0] = '\0';
		}
		switch (ev) {
		case JOURNAL_BEGIN:
			jstr(rec, "drill", st.drill, sizeof(st.drill));
			jstr(rec, "spec", st.spec, sizeof(st.spec));
			st.pid = (pid_t)json_integer_value(
			    json_object_get(rec, "pid"));
			azure_from_json(json_object_get(rec, "azure"),
			    &st.azure);
			break;
		case JOURNAL_BEFORE:
			before_state(rec, "state", &st.state_before);
			before_state(rec, "ipv6_state", &st.ipv6_before);
			st.have_before = true;
			break;
		case JOURNAL_INTENT:
			if (act == JOURNAL_DISABLE) {
				st.disable_intent = true;
				st.enable_done = false;
			}
			break;
		case JOURNAL_DONE:
			if (act == JOURNAL_ENABLE && status >= 0)
				st.enable_done = status == JOURNAL_OK;
			break;
		case JOURNAL_END:
			st.ended = true;
			break;
		default:
			break;
		}
		json_decref(rec);
	}
	free(line);
	fclose(f);
	if (rc == 0 && st.records == 0)
		rc = fd_error_set(err, -EPROTO, "journal %s: empty", path);
	if (rc == 0 && st.azure.circuit[0] == '\0')
		rc = fd_error_set(err, -EPROTO,
		    "journal %s: no begin record", path);
	if (rc == 0)
		*out = st;
	return rc;
}

int
journal_list(const char *dir, char (*paths)[PATH_MAX], size_t max, size_t *n,
    struct fd_error *err)
{
	struct dirent *de;
	size_t count = 0;
	DIR *d = opendir(dir);

	if (d == NULL) {
		if (errno == ENOENT) {
			*n = 0;
			return 0;
		}
		return fd_error_set(err, -errno, "%s: %s", dir,
		    strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l < 9 || strcmp(de->d_name + l - 8, ".journal") != 0)
			continue;
		if (count < max)
			snprintf(paths[count], PATH_MAX, "%s/%s", dir,
			    de->d_name);
		count++;
	}
	closedir(d);
	*n = count;
	return 0;
}
