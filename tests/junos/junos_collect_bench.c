/*
 * junos_collect_bench DIR...: collect show version + a route table + BGP
 * summary from one fake device, then from all of them at once through
 * collect_run(), and print the ratio (bench/collect.sh starts the fake
 * devices: sshd + the Junos CLI emulator, one sshd_harness.py DIR each).
 * Every round opens fresh SSH sessions, so connecting is measured too.
 * Exit 0 when the ratio is <= 1.5.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "junos/junos.h"

#define ROUNDS 3
#define MAXDEV 64

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
cfg_for(const char *dir, int i, struct device_cfg *cfg)
{
	char path[512];
	FILE *f;
	unsigned port = 0;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(path, sizeof(path), "%s/port", dir);
	f = fopen(path, "r");
	if (f == NULL || fscanf(f, "%u", &port) != 1) {
		fprintf(stderr, "no port in %s\n", dir);
		exit(2);
	}
	fclose(f);
	snprintf(cfg->name, sizeof(cfg->name), "dev%02d", i);
	snprintf(cfg->host, sizeof(cfg->host), "127.0.0.1");
	cfg->port = port;
	snprintf(cfg->user, sizeof(cfg->user), "root");
	snprintf(cfg->known_hosts, sizeof(cfg->known_hosts), "%s/known_hosts",
	    dir);
	snprintf(cfg->identity_file, sizeof(cfg->identity_file),
	    "%s/id_ed25519", dir);
	cfg->connect_timeout_ms = 10000;
	cfg->command_timeout_ms = 60000;
}

/* One round over the first n devices; returns seconds, or -1. */
static double
round_n(char **dirs, int n)
{
	static struct collect_job jobs[3 * MAXDEV];
	void *ctx[MAXDEV];
	struct fd_error err = { 0 };
	struct device_cfg cfg;
	double t0, dt;
	int i, k, bad = 0;

	t0 = now_s();
	for (i = 0; i < n; i++) {
		cfg_for(dirs[i], i, &cfg);
		if (junos_device_ops.open(&cfg, &ctx[i], &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			exit(2);
		}
		collect_job_init(&jobs[3 * i], &junos_device_ops, ctx[i],
		    cfg.name, COLLECT_INFO);
		collect_job_init(&jobs[3 * i + 1], &junos_device_ops, ctx[i],
		    cfg.name, COLLECT_ROUTES);
		snprintf(jobs[3 * i + 1].table, sizeof(jobs[0].table),
		    "DATA.inet.0");
		collect_job_init(&jobs[3 * i + 2], &junos_device_ops, ctx[i],
		    cfg.name, COLLECT_BGP_SUMMARY);
	}
	if (collect_run(jobs, (size_t)(3 * n), &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		bad = 1;
	}
	for (i = 0; i < n; i++)
		junos_device_ops.close(ctx[i]);
	dt = now_s() - t0;
	for (k = 0; k < 3 * n; k++) {
		if (k % 3 == 1 && jobs[k].routes.n != 145)
			bad = 1;
		collect_job_done(&jobs[k]);
	}
	return bad ? -1 : dt;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(char **dirs, int n)
{
	double t[ROUNDS];
	int r;

	for (r = 0; r < ROUNDS; r++)
		if ((t[r] = round_n(dirs, n)) < 0) {
			fprintf(stderr, "round failed\n");
			exit(2);
		}
	qsort(t, ROUNDS, sizeof(t[0]), cmp);
	return t[ROUNDS / 2];
}

int
main(int argc, char **argv)
{
	int n = argc - 1;
	double one, all, ratio;

	if (n < 1 || n > MAXDEV) {
		fprintf(stderr, "usage: junos_collect_bench DIR...\n");
		return 2;
	}
	struct rusage r0, r1;
	double cpu;

	one = median(argv + 1, 1);
	getrusage(RUSAGE_SELF, &r0);
	all = median(argv + 1, n);
	getrusage(RUSAGE_SELF, &r1);
	cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec +
	    r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
	    (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec +
	    r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
	ratio = all / one;
	printf("one device: %.3f s; %d devices in parallel: %.3f s; "
	    "ratio %.2f (target <= 1.50)\n", one, n, all, ratio);
	/* The fake devices run on this host too: when the ratio misses,
	 * this says whether the collector or the devices used the CPU. */
	printf("collector CPU for %d parallel rounds: %.3f s on %ld CPUs\n",
	    ROUNDS, cpu, sysconf(_SC_NPROCESSORS_ONLN));
	return ratio <= 1.5 ? 0 : 1;
}
