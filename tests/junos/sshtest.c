/* Start and stop sshd_harness.py's sshd; by PID, cleaned up on stop. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sshtest.h"

extern char **environ;

int
sshtest_run(char *const argv[])
{
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

char *
sshtest_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 1 << 20);
	if (buf != NULL) {
		n = fread(buf, 1, (1 << 20) - 1, f);
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

char *
sshtest_slurp_path(const struct sshtest *t, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", t->dir, rel);
	return sshtest_slurp(path);
}

static unsigned
closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

int
sshtest_start(struct sshtest *t, const char *name, const char *force_command,
    const char *fixtures_map)
{
	return sshtest_start_argv(t, name, force_command, fixtures_map, NULL);
}

int
sshtest_start_ex(struct sshtest *t, const char *name,
    const char *const extra[])
{
	return sshtest_start_argv(t, name, NULL, NULL, extra);
}

int
sshtest_start_emu(struct sshtest *t, const char *name, const char *emu_opts,
    const char *const extra[])
{
	const char *src = getenv("FD_SOURCE_ROOT");
	char fc[1024];

	if (src == NULL) {
		fprintf(stderr, "sshtest: needs FD_SOURCE_ROOT\n");
		return -1;
	}
	/* The map sshtest_start_argv writes into the server's directory. */
	snprintf(fc, sizeof(fc), "/usr/bin/python3 %s/tests/emu/junos_cli.py "
	    "%s%s--fixtures /tmp/fdt-junos-%s-%d/fixtures.map", src, emu_opts,
	    emu_opts[0] ? " " : "", name, (int)getpid());
	return sshtest_start_argv(t, name, fc, "tests/junos/fixtures.map.in",
	    extra);
}

int
sshtest_start_argv(struct sshtest *t, const char *name,
    const char *force_command, const char *fixtures_map,
    const char *const extra[])
{
	const char *src = getenv("FD_SOURCE_ROOT");
	char harness[512], tmpl[512], *s;
	char *argv[24];
	int n = 0;

	memset(t, 0, sizeof(*t));
	if (src == NULL || geteuid() != 0) {
		fprintf(stderr, "sshtest: needs root and FD_SOURCE_ROOT\n");
		return -1;
	}
	snprintf(t->dir, sizeof(t->dir), "/tmp/fdt-junos-%s-%d", name,
	    (int)getpid());
	snprintf(harness, sizeof(harness), "%s/tests/junos/sshd_harness.py",
	    src);
	argv[n++] = "python3";
	argv[n++] = harness;
	argv[n++] = "start";
	argv[n++] = t->dir;
	if (force_command != NULL) {
		argv[n++] = "--force-command";
		argv[n++] = (char *)force_command;
	}
	if (fixtures_map != NULL) {
		snprintf(tmpl, sizeof(tmpl), "%s/%s", src, fixtures_map);
		argv[n++] = "--fixtures-map";
		argv[n++] = tmpl;
	}
	for (; extra != NULL && *extra != NULL && n < 23; extra++)
		argv[n++] = (char *)*extra;
	argv[n] = NULL;
	if (sshtest_run(argv) != 0) {
		fprintf(stderr, "sshtest: harness start failed\n");
		return -1;
	}
	t->started = true;
	s = sshtest_slurp_path(t, "port");
	if (s != NULL)
		t->port = (unsigned)atoi(s);
	free(s);
	s = sshtest_slurp_path(t, "host_fp");
	if (s != NULL) {
		s[strcspn(s, "\n")] = '\0';
		snprintf(t->host_fp, sizeof(t->host_fp), "%s", s);
	}
	free(s);
	s = sshtest_slurp_path(t, "host_fp_ecdsa");
	if (s != NULL) {
		s[strcspn(s, "\n")] = '\0';
		snprintf(t->host_fp_ecdsa, sizeof(t->host_fp_ecdsa), "%s", s);
	}
	free(s);
	s = sshtest_slurp_path(t, "netconf_port");
	if (s != NULL)
		t->netconf_port = (unsigned)atoi(s);
	free(s);
	t->closed_port = closed_port();
	return t->port > 0 && t->host_fp[0] ? 0 : -1;
}

void
sshtest_stop(struct sshtest *t)
{
	const char *src = getenv("FD_SOURCE_ROOT");
	char harness[512];

	if (!t->started)
		return;
	snprintf(harness, sizeof(harness), "%s/tests/junos/sshd_harness.py",
	    src ? src : ".");
	sshtest_run((char *const[]){ "python3", harness, "stop", t->dir,
	    NULL });
	sshtest_run((char *const[]){ "rm", "-rf", t->dir, NULL });
	t->started = false;
}

void
sshtest_cfg(const struct sshtest *t, struct device_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->name, sizeof(cfg->name), "dut");
	snprintf(cfg->kind, sizeof(cfg->kind), "junos");
	snprintf(cfg->host, sizeof(cfg->host), "127.0.0.1");
	cfg->port = t->port;
	snprintf(cfg->user, sizeof(cfg->user), "root");
	snprintf(cfg->known_hosts, sizeof(cfg->known_hosts), "%s/known_hosts",
	    t->dir);
	snprintf(cfg->identity_file, sizeof(cfg->identity_file),
	    "%s/id_ed25519", t->dir);
	cfg->connect_timeout_ms = 5000;
	cfg->command_timeout_ms = 15000;
	cfg->keepalive_s = 5;
}
