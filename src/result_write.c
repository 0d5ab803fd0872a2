/* The result directory writer; see result_write.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "result.h"
#include "result_write.h"

static int
render_prom(const json_t *doc, const char *previous, FILE *out,
    struct fd_error *err)
{
	return report_prom(doc, previous, out, err);
}

static int
render_fmt(const json_t *doc, const char *format, FILE *out,
    struct fd_error *err)
{
	const struct report_ops *ops = report_find(format);

	return ops->render(doc, out, err);
}

static int
fsync_dir(const char *dir, struct fd_error *err)
{
	int fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return fd_error_set(err, -errno, "%s: %s", dir,
		    strerror(errno));
	if (fsync(fd) < 0)
		rc = fd_error_set(err, -errno, "fsync %s: %s", dir,
		    strerror(errno));
	close(fd);
	return rc;
}

/* Render into a temporary file next to path, fsync it, rename it over
 * path, so a reader never sees half a file.  format is a report_find()
 * name, or NULL for metrics with previous for the carry-over. */
static int
write_atomic(const char *path, const json_t *doc, const char *format,
    const char *previous, struct fd_error *err)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int fd = -1, rc;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		return fd_error_set(err, -ENOMEM, "out of memory");
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		rc = fd_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	/* Reports hold no secret; node_exporter and web servers read them. */
	if (fchmod(fd, 0644) < 0 || (f = fdopen(fd, "w")) == NULL) {
		rc = fd_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	if (format != NULL)
		rc = render_fmt(doc, format, f, err);
	else
		rc = render_prom(doc, previous, f, err);
	if (rc < 0)
		goto fail_close;
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0) {
		rc = fd_error_set(err, -EIO, "%s: %s", tmp, strerror(errno));
		goto fail_close;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = fd_error_set(err, -EIO, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path) < 0) {
		rc = fd_error_set(err, -errno, "rename %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail_close:
	fclose(f);
fail:
	unlink(tmp);
	free(tmp);
	return rc;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *nb;

			/* A metrics file is small; refuse to read a huge one. */
			if (cap >= (1u << 20) ||
			    (nb = realloc(buf, cap + 8192)) == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap += 8192;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		buf[len] = '\0';
		if (n == 0)
			break;
	}
	fclose(f);
	return buf;
}

static char *
dir_join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

int
result_write_metrics(const json_t *doc, const char *path,
    struct fd_error *err)
{
	char *previous;
	int rc;

	if ((rc = result_check(doc, err)) < 0)
		return rc;
	previous = slurp(path);
	rc = write_atomic(path, doc, NULL, previous, err);
	free(previous);
	return rc;
}

int
result_write_all(const json_t *doc, const char *dir, struct fd_error *err)
{
	static const struct {
		const char *name;
		const char *format;	/* NULL: metrics */
	} files[] = {
		{ RESULT_JSON, "json" },
		{ RESULT_TEXT, "text" },
		{ RESULT_JUNIT, "junit" },
		{ RESULT_PROM, NULL },
		{ RESULT_HTML, "html" },
	};
	char *path, *previous;
	size_t i;
	int rc;

	if ((rc = result_check(doc, err)) < 0)
		return rc;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return fd_error_set(err, -errno, "%s: %s", dir,
		    strerror(errno));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if ((path = dir_join(dir, files[i].name)) == NULL)
			return fd_error_set(err, -ENOMEM, "out of memory");
		previous = files[i].format == NULL ? slurp(path) : NULL;
		rc = write_atomic(path, doc, files[i].format, previous, err);
		free(previous);
		free(path);
		if (rc < 0)
			return rc;
	}
	return fsync_dir(dir, err);
}
