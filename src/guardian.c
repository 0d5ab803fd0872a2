/* The guardian; see guardian.h and failover-drill(1), GUARDIAN. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guardian.h"
#include "journal.h"
#include "log.h"

extern char **environ;

/* systemd's own test for "booted with systemd" (sd_booted(3)): the
 * directory exists only when systemd is PID 1. */
#define SYSTEMD_RUNTIME "/run/systemd/system"
/* The same environment file as failover-drill-recover.service: a
 * transient service runs "in a clean and detached execution environment"
 * (systemd-run(1)), so the credentials must come from there, never from
 * argv. */
#define RECOVER_ENV "/etc/failover-drill/recover.env"

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

unsigned
guardian_deadline_s(unsigned drill_s, unsigned restore_s)
{
	uint64_t s = (uint64_t)drill_s + restore_s + GUARDIAN_MARGIN_S;

	if (drill_s == 0 || s > UINT32_MAX / 1000)
		return 0;
	return (unsigned)s;
}

void
guardian_init(struct guardian *g, const char *state_dir,
    const char *drill_id, unsigned drill_s, unsigned restore_s)
{
	memset(g, 0, sizeof(*g));
	g->state_dir = state_dir;
	snprintf(g->drill_id, sizeof(g->drill_id), "%s", drill_id);
	g->deadline_s = guardian_deadline_s(drill_s, restore_s);
	g->systemd_timer = true;
	g->wfd = -1;
	g->pid = -1;
}

void
guardian_unit_name(const char *drill_id, char *buf, size_t len)
{
	size_t n, i;

	/* Unit names take [A-Za-z0-9:_.\\-] (systemd.unit(5)); a UUID is
	 * already that, anything else is made so. */
	n = (size_t)snprintf(buf, len, "failover-drill-guard-%.40s",
	    drill_id);
	for (i = strlen("failover-drill-guard-"); i < n && i < len; i++)
		if (!(buf[i] >= 'a' && buf[i] <= 'z') &&
		    !(buf[i] >= 'A' && buf[i] <= 'Z') &&
		    !(buf[i] >= '0' && buf[i] <= '9') && buf[i] != '-' &&
		    buf[i] != '_' && buf[i] != '.')
			buf[i] = '_';
}

static int
arg(struct guardian_argv *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
arg(struct guardian_argv *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->n >= GUARDIAN_ARGV_MAX || a->used >= sizeof(a->store))
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(a->store + a->used, sizeof(a->store) - a->used, fmt,
	    ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(a->store) - a->used)
		return -E2BIG;
	a->v[a->n++] = a->store + a->used;
	a->v[a->n] = NULL;
	a->used += (size_t)n + 1;
	return 0;
}

int
guardian_exec_argv(struct guardian_argv *a, const char *exe,
    const char *state_dir, pid_t drill, bool pidfd, unsigned deadline_s,
    unsigned grace_s)
{
	int rc = 0;

	memset(a, 0, sizeof(*a));
	rc |= arg(a, "%s", exe);
	rc |= arg(a, "--state-dir");
	rc |= arg(a, "%s", state_dir);
	rc |= arg(a, "guardian");
	rc |= arg(a, "--fd");
	rc |= arg(a, "3");
	rc |= arg(a, "--pid");
	rc |= arg(a, "%ld", (long)drill);
	if (pidfd) {
		rc |= arg(a, "--pidfd");
		rc |= arg(a, "4");
	}
	if (deadline_s > 0) {
		rc |= arg(a, "--deadline");
		rc |= arg(a, "%u", deadline_s);
	}
	rc |= arg(a, "--grace");
	rc |= arg(a, "%u", grace_s);
	return rc < 0 ? -E2BIG : 0;
}

int
guardian_timer_argv(struct guardian_argv *a, const char *exe,
    const char *state_dir, const char *unit, unsigned on_active_s)
{
	int rc = 0;

	memset(a, 0, sizeof(*a));
	/* systemd-run(1): --on-active= is the timer's OnActiveSec=,
	 * --unit= names the timer and its service, --collect unloads the
	 * service after it ran even when it failed, --timer-property= and
	 * --property= set the timer's and the service's settings. */
	rc |= arg(a, "systemd-run");
	rc |= arg(a, "--quiet");
	rc |= arg(a, "--collect");
	rc |= arg(a, "--unit=%s", unit);
	rc |= arg(a, "--description=failover-drill guardian backstop: "
	    "recover the peering");
	rc |= arg(a, "--on-active=%us", on_active_s);
	rc |= arg(a, "--timer-property=AccuracySec=1s");
	rc |= arg(a, "--property=EnvironmentFile=-%s", RECOVER_ENV);
	rc |= arg(a, "--");
	rc |= arg(a, "%s", exe);
	rc |= arg(a, "--state-dir");
	rc |= arg(a, "%s", state_dir);
	rc |= arg(a, "recover");
	rc |= arg(a, "--by");
	rc |= arg(a, "systemd-timer");
	return rc < 0 ? -E2BIG : 0;
}

/* Run argv, wait at most ms for it; its exit status, or -errno. */
static int
run_bounded(const char *dir, char *const argv[], unsigned ms)
{
	pid_t pid, w;
	int status = 0, devnull;
	uint64_t end = mono_ms() + ms;
	char usr[PATH_MAX], bin[PATH_MAX];

	/* Paths made before the fork: the child of a process with threads
	 * calls only async-signal-safe functions, and execvp is none
	 * (signal-safety(7) lists execv and execve). */
	snprintf(usr, sizeof(usr), "%s/%s", dir ? dir : "/usr/bin",
	    argv[0]);
	snprintf(bin, sizeof(bin), "%s/%s", dir ? dir : "/bin", argv[0]);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
		}
		execv(usr, argv);
		execv(bin, argv);
		_exit(127);
	}
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (mono_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		poll(NULL, 0, 20);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

static void
arm_timer(struct guardian *g, const char *exe)
{
	struct guardian_argv a;
	char unit[sizeof(g->unit)];
	int rc;

	if (!g->systemd_timer)
		return;
	if (access(g->systemd_dir ? g->systemd_dir : SYSTEMD_RUNTIME,
	    F_OK) != 0) {
		log_info("guardian: systemd is not PID 1 (no %s): no "
		    "transient timer, the guardian alone watches the drill",
		    g->systemd_dir ? g->systemd_dir : SYSTEMD_RUNTIME);
		return;
	}
	if (g->deadline_s == 0) {
		log_info("guardian: no drill deadline (drill_s 0): no "
		    "transient timer");
		return;
	}
	guardian_unit_name(g->drill_id, unit, sizeof(unit));
	if (guardian_timer_argv(&a, exe, g->state_dir, unit, g->deadline_s +
	    GUARDIAN_GRACE_S + GUARDIAN_TIMER_EXTRA_S) < 0)
		return;
	rc = run_bounded(g->bin_dir, a.v, 15000);
	if (rc != 0) {
		log_warn("guardian: systemd-run exited %d: no transient timer "
		    "(the guardian and failover-drill-recover.service at boot "
		    "remain)", rc);
		return;
	}
	snprintf(g->unit, sizeof(g->unit), "%s", unit);
	log_info("guardian: transient timer %s.timer armed", unit);
}

/*
 * In the child of a process that may have threads (the prober): only
 * async-signal-safe calls (signal-safety(7)) until execve.  Never
 * returns.
 */
static void __attribute__((noreturn))
guardian_child(int rfd, int pidfd, int st, char *const argv[])
{
	int r, p = -1, s, devnull, e;
	sigset_t none;
	pid_t pid;

	if (setsid() < 0)
		goto fail;
	/* The second fork: the guardian is no session leader, so opening a
	 * terminal never makes it its controlling one. */
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid > 0) {
		if (write(st, &pid, sizeof(pid)) < 0)
			(void)0;
		_exit(0);
	}
	/* Above every fd the targets below could hit, then into place. */
	r = fcntl(rfd, F_DUPFD_CLOEXEC, 64);
	if (pidfd >= 0)
		p = fcntl(pidfd, F_DUPFD_CLOEXEC, 64);
	s = fcntl(st, F_DUPFD_CLOEXEC, 64);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (r < 0 || s < 0 || devnull < 0 || (pidfd >= 0 && p < 0))
		goto fail;
	if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 ||
	    dup2(devnull, 2) < 0 || dup2(r, 3) < 0 ||
	    (p >= 0 && dup2(p, 4) < 0) || dup3(s, 5, O_CLOEXEC) < 0)
		goto fail;
	st = 5;
	/* Nothing else of the drill: its lock's descriptor above all, or
	 * the lock would outlive the drill in the guardian and `recover`
	 * could never take it.  From 6 always: 5 is the status pipe, which
	 * must stay open to report a failed exec (without pidfd_open --
	 * Linux < 5.3, valgrind -- this once closed it too). */
	if (syscall(SYS_close_range, 6, ~0U, 0) < 0) {
		int fd;

		for (fd = 6; fd < 65536; fd++)
			close(fd);
	}
	if (p < 0)
		close(4);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(argv[0], argv, environ);
fail:
	e = errno ? -errno : -EIO;
	if (write(st, &e, sizeof(e)) < 0)
		(void)0;
	_exit(127);
}

int
guardian_arm(struct guardian *g, struct fd_error *err)
{
	struct guardian_argv a;
	char exe[PATH_MAX];
	int pp[2] = { -1, -1 }, sp[2] = { -1, -1 }, pidfd, status, rc = 0;
	int got[2];
	size_t have = 0;
	pid_t child;
	ssize_t n;
	uint64_t end;

	if (g->wfd >= 0)
		return 0;
	/* The timer needs the binary's path; the guardian itself execs
	 * /proc/self/exe, the same binary even if it was replaced on disk
	 * during the drill. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return fd_error_set(err, -errno, "guardian: /proc/self/exe: "
		    "%s", strerror(errno));
	exe[n] = '\0';
	pidfd = g->no_pidfd ? -1 : (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (guardian_exec_argv(&a, g->exe ? g->exe : "/proc/self/exe",
	    g->state_dir, getpid(), pidfd >= 0, g->deadline_s,
	    GUARDIAN_GRACE_S) < 0) {
		rc = fd_error_set(err, -E2BIG, "guardian: arguments too long");
		goto out;
	}
	if (pipe2(pp, O_CLOEXEC) < 0 || pipe2(sp, O_CLOEXEC) < 0) {
		rc = fd_error_set(err, -errno, "guardian: pipe: %s",
		    strerror(errno));
		goto out;
	}
	child = fork();
	if (child < 0) {
		rc = fd_error_set(err, -errno, "guardian: fork: %s",
		    strerror(errno));
		goto out;
	}
	if (child == 0)
		guardian_child(pp[0], pidfd, sp[1], a.v);
	close(sp[1]);
	sp[1] = -1;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	/* The first child wrote the guardian's pid; the guardian writes
	 * an errno only when its exec failed.  EOF: exec'd. */
	end = mono_ms() + 10000;
	while (have < sizeof(got)) {
		struct pollfd pf = { sp[0], POLLIN, 0 };
		uint64_t now = mono_ms();

		if (now >= end) {
			rc = fd_error_set(err, -ETIMEDOUT, "guardian: no "
			    "answer from the guardian in 10 s");
			break;
		}
		if (poll(&pf, 1, (int)(end - now)) < 0 && errno != EINTR)
			break;
		n = read(sp[0], (char *)got + have, sizeof(got) - have);
		if (n == 0)
			break;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			break;
		if (n > 0)
			have += (size_t)n;
	}
	/* Two writers, either order: the pid (> 0) and, on failure, a
	 * negative errno. */
	if (rc == 0) {
		int pid = 0, e = 0;
		size_t k;

		for (k = 0; k < have / sizeof(int); k++) {
			if (got[k] > 0)
				pid = got[k];
			else if (got[k] < 0)
				e = got[k];
		}
		if (e < 0)
			rc = fd_error_set(err, e, "guardian: could not start "
			    "%s: %s", a.v[0], strerror(-e));
		else if (pid <= 0)
			rc = fd_error_set(err, -ECHILD, "guardian: could not "
			    "start it (no pid)");
		else
			got[0] = pid;
	}
	if (rc < 0)
		goto out;
	g->pid = (pid_t)got[0];
	g->wfd = pp[1];
	pp[1] = -1;
	arm_timer(g, exe);
out:
	if (pidfd >= 0)
		close(pidfd);
	if (pp[0] >= 0)
		close(pp[0]);
	if (pp[1] >= 0)
		close(pp[1]);
	if (sp[0] >= 0)
		close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
	return rc;
}

void
guardian_disarm(struct guardian *g)
{
	static const char b = GUARDIAN_DISARM;

	if (g->wfd >= 0) {
		/* EPIPE (SIGPIPE is ignored by run) when the guardian is
		 * already gone: nothing left to disarm. */
		if (write(g->wfd, &b, 1) != 1)
			log_warn("guardian pid %ld: gone before it was "
			    "disarmed", (long)g->pid);
		close(g->wfd);
		g->wfd = -1;
		log_info("guardian pid %ld disarmed", (long)g->pid);
	}
	if (g->unit[0]) {
		char name[sizeof(g->unit) + 8];
		char *argv[] = { "systemctl", "stop", name, NULL };
		int rc;

		snprintf(name, sizeof(name), "%s.timer", g->unit);
		rc = run_bounded(g->bin_dir, argv, 15000);
		if (rc != 0)
			log_warn("guardian: systemctl stop %s exited %d: it "
			    "will run recover, which finds nothing to do",
			    name, rc);
		g->unit[0] = '\0';
	}
}

int
guardian_drill_arm(void *ctx, struct journal *j, struct fd_error *err)
{
	struct guardian *g = ctx;
	char detail[256];
	int rc;

	rc = guardian_arm(g, err);
	if (rc < 0)
		return rc;
	snprintf(detail, sizeof(detail), "pid=%ld deadline_s=%u timer=%s",
	    (long)g->pid, g->deadline_s, g->unit[0] ? g->unit : "none");
	log_info("guardian armed: %s", detail);
	if (journal_note(j, JOURNAL_GUARDIAN_ARMED, detail, err) < 0) {
		/* Nothing written yet: abort, and take the guardian down
		 * with a disarm (it exits without touching anything). */
		guardian_disarm(g);
		return err->code;
	}
	return 0;
}

void
guardian_drill_disarm(void *ctx)
{
	guardian_disarm(ctx);
}

static void
signal_drill(int pidfd, pid_t pid, int sig)
{
	if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, sig, NULL,
	    0) == 0)
		return;
	if (pidfd < 0)
		kill(pid, sig);
}

enum guardian_end
guardian_watch(int rfd, int pidfd, pid_t drill, uint64_t deadline_ms,
    uint64_t grace_ms, bool *overdue, void (*note)(const char *msg))
{
	/* No deadline: still bounded, by a week. */
	uint64_t limit = deadline_ms ? deadline_ms : mono_ms() +
	    7ULL * 86400 * 1000;
	unsigned stage = 0;
	char msg[160];

	*overdue = false;
	for (;;) {
		struct pollfd pf = { rfd, POLLIN, 0 };
		uint64_t now = mono_ms();
		int64_t left = (int64_t)(limit - now);
		char b;
		ssize_t n;

		if (now >= limit) {
			*overdue = true;
			if (stage == 0) {
				/* A stopped drill (Ctrl-Z) goes on and
				 * restores on SIGTERM itself. */
				snprintf(msg, sizeof(msg), "drill pid %ld "
				    "past its deadline: SIGCONT and "
				    "SIGTERM", (long)drill);
				signal_drill(pidfd, drill, SIGCONT);
				signal_drill(pidfd, drill, SIGTERM);
				limit = now + grace_ms;
			} else if (stage == 1) {
				snprintf(msg, sizeof(msg), "drill pid %ld "
				    "still armed after the grace: SIGKILL",
				    (long)drill);
				signal_drill(pidfd, drill, SIGKILL);
				limit = now + 10000;
			} else {
				if (note != NULL)
					note("the drill's pipe is still open "
					    "10 s after SIGKILL");
				return GUARDIAN_STUCK;
			}
			stage++;
			if (note != NULL)
				note(msg);
			continue;
		}
		if (poll(&pf, 1, left > 60000 ? 60000 : (int)left) < 0 &&
		    errno != EINTR)
			poll(NULL, 0, 100);	/* bounded by limit */
		if (pf.revents == 0)
			continue;
		n = read(rfd, &b, 1);
		if (n == 1 && b == GUARDIAN_DISARM)
			return GUARDIAN_DISARMED;
		if (n == 0)
			return GUARDIAN_GONE;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return GUARDIAN_GONE;
	}
}

void
guardian_wait_exit(int pidfd, unsigned ms)
{
	uint64_t end = mono_ms() + ms;

	while (pidfd >= 0) {
		struct pollfd pf = { pidfd, POLLIN, 0 };
		uint64_t now = mono_ms();

		if (now >= end)
			return;
		/* A pidfd polls readable once the process has exited
		 * (pidfd_open(2)). */
		if (poll(&pf, 1, (int)(end - now)) > 0)
			return;
	}
}
