/* A throwaway sshd for the integration tests (see sshd_harness.py). */
#ifndef FD_SSHTEST_H
#define FD_SSHTEST_H

#include "provider.h"

struct sshtest {
	char dir[256];
	unsigned port;
	unsigned closed_port;		/* nothing listens there */
	unsigned netconf_port;		/* --netconf: the NETCONF-only port */
	char host_fp[128];		/* "SHA256:..." of the ed25519 key */
	char host_fp_ecdsa[128];	/* ... of the ECDSA host key */
	bool started;
};

/* Start sshd in /tmp/fdt-junos-<name>-<pid>.  force_command and
 * fixtures_map (a template, relative to the source root) may be NULL.
 * Returns 0 or -1 (message on stderr). */
int sshtest_start(struct sshtest *t, const char *name,
    const char *force_command, const char *fixtures_map);
/* The same with more harness options (NULL-terminated), e.g.
 * { "--kbdint", NULL }. */
int sshtest_start_ex(struct sshtest *t, const char *name,
    const char *const extra[]);
/* Both: a forced command, a fixtures map and harness options. */
int sshtest_start_argv(struct sshtest *t, const char *name,
    const char *force_command, const char *fixtures_map,
    const char *const extra[]);
/* sshtest_start_argv with the Junos emulator as the forced command,
 * serving tests/junos/fixtures.map.in (emu_opts: more of its options, e.g.
 * "--no-json", or ""). */
int sshtest_start_emu(struct sshtest *t, const char *name,
    const char *emu_opts, const char *const extra[]);
void sshtest_stop(struct sshtest *t);
/* A device_cfg for root with the good key and known_hosts. */
void sshtest_cfg(const struct sshtest *t, struct device_cfg *cfg);
char *sshtest_slurp(const char *path);
char *sshtest_slurp_path(const struct sshtest *t, const char *rel);
/* Run argv (NULL-terminated) and wait; returns its exit status or -1. */
int sshtest_run(char *const argv[]);

#endif
