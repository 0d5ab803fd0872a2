/*
 * known_hosts, the OpenSSH way (see knownhosts.h).  References are to
 * openssh-portable V_9_2_P1 (Debian 12's ssh): hostfile.c, match.c,
 * sshconnect.c, sshconnect2.c, misc.c.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "knownhosts.h"

#define KH_MAX_FILE (16u * 1024 * 1024)
#define KH_SHA1_LEN 20
#define KH_HASH_MAGIC "|1|"

void
kh_name(const char *host, unsigned port, char *buf, size_t len)
{
	size_t i;

	if (port == 0 || port == 22)
		snprintf(buf, len, "%s", host);
	else
		snprintf(buf, len, "[%s]:%u", host, port);
	for (i = 0; buf[i] != '\0'; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
}

/*
 * match.c match_pattern(): '*' any run, '?' any one character.  Matched
 * with one backtracking point (the last '*'), so a hostile pattern such
 * as "*a*a*a*a*b" costs O(name x pattern), not exponential time.
 */
static bool
kh_glob(const char *s, const char *p, size_t plen)
{
	const char *pe = p + plen, *star = NULL, *retry = NULL;

	while (*s != '\0') {
		if (p < pe && *p == '*') {
			star = ++p;
			retry = s;
		} else if (p < pe && (*p == '?' ||
		    tolower((unsigned char)*p) == *s)) {
			s++;
			p++;
		} else if (star != NULL) {
			p = star;
			s = ++retry;
		} else {
			return false;
		}
	}
	while (p < pe && *p == '*')
		p++;
	return p == pe;
}

/* match.c match_pattern_list(): 1 positive, -1 negated match, 0 none. */
static int
kh_match_list(const char *name, const char *list, size_t len)
{
	const char *p = list, *end = list + len;
	int got = 0;

	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t n = c != NULL ? (size_t)(c - p) : (size_t)(end - p);
		bool neg = n > 0 && *p == '!';

		if (kh_glob(name, p + neg, n - neg)) {
			if (neg)
				return -1;
			got = 1;
		}
		p += n + 1;
	}
	return got;
}

static int
kh_b64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	int n;

	if (len == 0 || len % 4 != 0 || len / 4 * 3 > cap)
		return -1;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0)
		return -1;
	if (in[len - 1] == '=')
		n--;
	if (in[len - 2] == '=')
		n--;
	return n;
}

/* "|1|salt|hmac" names: HMAC-SHA1(salt, name) (hostfile.c host_hash()). */
static void
kh_hash(const unsigned char *salt, const char *name, char *buf, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char s64[64], h64[64];
	unsigned mdlen = 0;

	HMAC(EVP_sha1(), salt, KH_SHA1_LEN, (const unsigned char *)name,
	    strlen(name), md, &mdlen);
	EVP_EncodeBlock((unsigned char *)s64, salt, KH_SHA1_LEN);
	EVP_EncodeBlock((unsigned char *)h64, md, (int)mdlen);
	snprintf(buf, len, "%s%s|%s", KH_HASH_MAGIC, s64, h64);
}

static bool
kh_hashed_match(const char *field, size_t len, const char *name)
{
	unsigned char salt[64];
	const char *s = field + strlen(KH_HASH_MAGIC), *bar;
	char mine[128];

	bar = memchr(s, '|', len - (size_t)(s - field));
	if (bar == NULL || kh_b64_decode(s, (size_t)(bar - s), salt,
	    sizeof(salt)) != KH_SHA1_LEN)
		return false;
	kh_hash(salt, name, mine, sizeof(mine));
	return strlen(mine) == len && memcmp(mine, field, len) == 0;
}

/* Next whitespace-separated field of [*p, end); false when none. */
static bool
kh_field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end)
		return false;
	*f = s;
	while (s < end && *s != ' ' && *s != '\t')
		s++;
	*n = (size_t)(s - *f);
	*p = s;
	return true;
}

static int
kh_add(struct kh_set *s, enum kh_marker m, unsigned line, const char *type,
    size_t tlen, const char *b64, size_t blen)
{
	struct kh_entry *v, *e;

	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	s->v = v;
	e = &v[s->n];
	memset(e, 0, sizeof(*e));
	e->marker = m;
	e->line = line;
	snprintf(e->type, sizeof(e->type), "%.*s", (int)tlen, type);
	e->b64 = strndup(b64, blen);
	if (e->b64 == NULL)
		return -ENOMEM;
	s->n++;
	return 0;
}

/* One line (without its newline): hostfile.c hostkeys_foreach_file(). */
static int
kh_line(struct kh_set *s, const char *p, const char *end, unsigned line,
    const char *name)
{
	enum kh_marker m = KH_PLAIN;
	const char *f, *type, *b64;
	size_t n, tlen, blen;
	int match;

	/* A NUL byte: not a text line (OpenSSH would read it cut short);
	 * never a match. */
	if (memchr(p, '\0', (size_t)(end - p)) != NULL)
		return 0;
	if (!kh_field(&p, end, &f, &n) || *f == '#')
		return 0;
	if (*f == '@') {
		if (n == 8 && memcmp(f, "@revoked", 8) == 0)
			m = KH_REVOKED;
		else if (n == 15 && memcmp(f, "@cert-authority", 15) == 0)
			m = KH_CA;
		else
			return 0;	/* OpenSSH skips unknown markers */
		if (!kh_field(&p, end, &f, &n))
			return 0;
	}
	if (n > 3 && memcmp(f, KH_HASH_MAGIC, 3) == 0) {
		s->hashed = true;
		match = kh_hashed_match(f, n, name);
	} else {
		match = kh_match_list(name, f, n) == 1;
	}
	if (!match)
		return 0;
	if (!kh_field(&p, end, &type, &tlen) ||
	    !kh_field(&p, end, &b64, &blen))
		return 0;
	/* An SSH-1 RSA line ("bits e n") has no key type. */
	if (isdigit((unsigned char)*type))
		return 0;
	return kh_add(s, m, line, type, tlen, b64, blen);
}

int
kh_parse(const char *buf, size_t len, const char *name, struct kh_set *out)
{
	struct kh_set s = { 0 };
	const char *p = buf, *end = buf + len, *nl;
	unsigned line = 0;
	int rc;

	s.exists = true;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		line++;
		rc = kh_line(&s, p, nl > p && nl[-1] == '\r' ? nl - 1 : nl,
		    line, name);
		if (rc < 0) {
			kh_set_done(&s);
			return rc;
		}
		p = nl + 1;
	}
	*out = s;
	return 0;
}

static int
kh_read_fd(int fd, char **buf, size_t *len)
{
	struct stat st;
	char *b;
	size_t n = 0;
	ssize_t r;

	if (fstat(fd, &st) < 0)
		return -errno;
	if ((size_t)st.st_size > KH_MAX_FILE)
		return -EFBIG;
	b = malloc((size_t)st.st_size + 1);
	if (b == NULL)
		return -ENOMEM;
	while (n < (size_t)st.st_size) {
		r = pread(fd, b + n, (size_t)st.st_size - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int
kh_load(const char *path, const char *name, struct kh_set *out,
    struct fd_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			memset(out, 0, sizeof(*out));
			return 0;
		}
		return fd_error_set(err, -EIO, "known_hosts %s: %s", path,
		    strerror(errno));
	}
	rc = kh_read_fd(fd, &buf, &len);
	close(fd);
	if (rc == 0)
		rc = kh_parse(buf, len, name, out);
	free(buf);
	if (rc < 0)
		return fd_error_set(err, rc == -ENOMEM ? -ENOMEM : -EIO,
		    "known_hosts %s: %s", path, strerror(-rc));
	return 0;
}

void
kh_set_done(struct kh_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->v[i].b64);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

const char *
kh_alg_keytype(const char *alg)
{
	if (strstr(alg, "-cert-v01@openssh.com") != NULL)
		return NULL;
	/* RSA keys sign with rsa-sha2-512/256 (RFC 8332) or SHA-1 ssh-rsa;
	 * known_hosts names the key "ssh-rsa" for all three. */
	if (strcmp(alg, "rsa-sha2-512") == 0 || strcmp(alg, "rsa-sha2-256") == 0)
		return "ssh-rsa";
	return alg;
}

static bool
kh_has_type(const struct kh_set *s, const char *type)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].marker == KH_PLAIN && strcmp(s->v[i].type, type) == 0)
			return true;
	return false;
}

int
kh_order_algs(const struct kh_set *s, const char *avail, char *buf,
    size_t len)
{
	size_t o = 0;
	int pass;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (pass = 0; pass < 2; pass++) {
		const char *p = avail;

		while (*p != '\0') {
			char alg[96];
			size_t n = strcspn(p, ",");
			const char *kt;

			snprintf(alg, sizeof(alg), "%.*s", (int)n, p);
			p += n + (p[n] == ',');
			kt = kh_alg_keytype(alg);
			if (kt == NULL || alg[0] == '\0' ||
			    kh_has_type(s, kt) != (pass == 0))
				continue;
			if (o + n + 2 > len)
				return -ENOSPC;
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    o ? "," : "", alg);
		}
	}
	return (int)o;
}

enum kh_status
kh_check(const struct kh_set *s, const char *type, const char *b64,
    const struct kh_entry **found)
{
	enum kh_status st = KH_NEW;
	const struct kh_entry *f = NULL;
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct kh_entry *e = &s->v[i];

		if (e->marker == KH_REVOKED && strcmp(e->b64, b64) == 0) {
			if (found != NULL)
				*found = e;
			return KH_REVOKED_KEY;
		}
	}
	for (i = 0; i < s->n; i++) {
		const struct kh_entry *e = &s->v[i];

		if (e->marker != KH_PLAIN || strcmp(e->type, type) != 0)
			continue;
		if (strcmp(e->b64, b64) == 0) {
			st = KH_OK;
			f = e;
			break;
		}
		if (st != KH_CHANGED) {
			st = KH_CHANGED;
			f = e;
		}
	}
	if (found != NULL)
		*found = f;
	return st;
}

size_t
kh_count_ca(const struct kh_set *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		n += s->v[i].marker == KH_CA;
	return n;
}

static int
kh_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
kh_append(const char *path, const char *name, const char *type,
    const char *b64, struct fd_error *err)
{
	struct kh_set s = { 0 };
	unsigned char salt[KH_SHA1_LEN];
	char host[128], *buf = NULL, *line = NULL;
	size_t len = 0;
	int fd, rc, n;

	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return fd_error_set(err, -EIO, "known_hosts %s: %s", path,
		    strerror(errno));
	/* flock(2) locks conflict between open file descriptions, so the
	 * collector's threads (each opening the file) are serialised as
	 * well as other processes. */
	while ((rc = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (rc < 0) {
		rc = -errno;
		goto out;
	}
	/* Under the lock: the file as it is now decides hashing, and a
	 * thread that got here first may have added this very key. */
	rc = kh_read_fd(fd, &buf, &len);
	if (rc == 0)
		rc = kh_parse(buf, len, name, &s);
	if (rc < 0)
		goto out;
	if (kh_check(&s, type, b64, NULL) == KH_OK)
		goto out;
	if (s.hashed) {
		if (RAND_bytes(salt, sizeof(salt)) != 1) {
			rc = -EIO;
			goto out;
		}
		kh_hash(salt, name, host, sizeof(host));
	} else {
		snprintf(host, sizeof(host), "%s", name);
	}
	/* hostfile.c write_host_entry(): "host keytype base64\n", no
	 * comment; a last line without its newline gets one first. */
	n = asprintf(&line, "%s%s %s %s\n", len > 0 && buf[len - 1] != '\n' ?
	    "\n" : "", host, type, b64);
	if (n < 0) {
		line = NULL;
		rc = -ENOMEM;
		goto out;
	}
	rc = kh_write_all(fd, line, (size_t)n);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
out:
	kh_set_done(&s);
	free(buf);
	free(line);
	close(fd);	/* releases the lock */
	if (rc < 0)
		return fd_error_set(err, -EIO, "known_hosts %s: cannot add %s: "
		    "%s", path, name, strerror(-rc));
	return 0;
}
