/*
 * Fake providers for engine tests: one in-memory "world" (the peering
 * state, the paths and routes that follow from it) behind the cloud, device
 * and probe interfaces.  Every provider call is a numbered step; a fault
 * (error, timeout, signal) can be injected at any step, as curl's torture
 * tests do with allocations.
 */
#ifndef FD_FAKES_H
#define FD_FAKES_H

#include <pthread.h>
#include <stdbool.h>

#include "clock.h"
#include "drill.h"
#include "spec.h"

enum fake_fault { FAULT_NONE, FAULT_ERROR, FAULT_TIMEOUT, FAULT_SIGNAL };

struct fake_world {
	struct vclock vc;
	struct fd_clock clock;		/* cancellable */
	struct fd_clock rclock;		/* restore: never cancelled */
	volatile sig_atomic_t cancel;
	bool enabled;			/* the peering */
	uint64_t get_ms;		/* the GET before each PUT takes this
					 * long (virtual ms) */
	uint64_t changed_at;		/* vclock ms of the last change */
	uint64_t disabled_at, enabled_at;	/* of the last of each */
	uint64_t trace_lag_ms;		/* traces show a change this late */
	uint64_t watch_lag_ms;		/* and the watch's samples this late */
	/* The watch's samples show the old path again in [from, to) ms
	 * after the change (a flap; to 0: none). */
	uint64_t watch_flap_from, watch_flap_to;
	/* vclock ms of each probe trace call (the first FAKE_TRACES). */
#define FAKE_TRACES 64
	uint64_t trace_at[FAKE_TRACES];
	unsigned n_traces;
	unsigned peeks;			/* watch_peek calls */
	/* The routers answer a trace again this long after the last one
	 * (probe trace_ready_ms); 0: at once. */
	uint64_t trace_refill_ms;
	bool was_enabled;		/* before changed_at */
	unsigned steps;			/* provider calls so far */
	unsigned first_write_step;	/* step of the first peering write */
	unsigned watch_step;		/* step of the first watch begin */
	const char *fault_msg;		/* appended to an injected error */
	/* Every step whose name starts with this fails with down_msg
	 * (-EHOSTUNREACH): a provider that is down. */
	const char *down_prefix, *down_msg;
	unsigned writes;		/* peering PUTs */
	unsigned fail_at;		/* inject at this step (0: never) */
	enum fake_fault fault;
	bool enable_always_fails;	/* restore's LRO ends Failed (final) */
	/* From the first enable on, every cloud call fails for this long
	 * (virtual ms) as ARM answering 503 after its retries: -EIO,
	 * FD_ERR_TRANSIENT. */
	uint64_t arm_down_ms;
	uint64_t arm_down_until;
	unsigned arm_down_calls;	/* calls answered "503" */
	/* The disable PUT is refused with 403 AuthorizationFailed. */
	bool disable_refused;
	/* The lease tag on the circuit (issue 14, lease.h). */
	bool lease_found;
	char lease[CLOUD_LEASE_MAX + 1];
	unsigned lease_sets, lease_clears;
	unsigned lease_set_step;	/* step of the last lease write */
	unsigned lease_clear_step;	/* and of the last removal */
	/* Another writer's value lands right after ours (ours lost). */
	const char *lease_thief;
	bool lease_clear_fails;		/* 403 on the lease removal */
	bool vpn_broken;		/* backup route missing */
	bool target_silent;		/* watched target answers no probe
					 * (reach is not a scripted step) */
	/* The next this many probe traces find the MSEE hop limiting its
	 * ICMP: silent, marked rate-limited (issue 9). */
	unsigned limited_traces;
	char last_step[64];
	/* device idle() calls: how many, when the last one was (vclock ms),
	 * and whether any came from another thread than the test's. */
	unsigned idle_calls;
	uint64_t idle_last;
	bool idle_off_thread;
	pthread_t thread;
	/* device record() calls: each directory given ("-" for NULL), ' '
	 * after each, and whether any came from a thread other than the
	 * test's and the one that last queried the device (dev_thread). */
	char record_log[1024];
	bool record_off_thread;
	pthread_t dev_thread;
	bool dev_thread_set;
};

void fake_world_init(struct fake_world *w);
void fake_providers(struct fake_world *w, struct drill_providers *p,
    const struct spec *s);
/* The seed drill of DESIGN.md §3, built by hand (no JSON). */
void fake_seed_spec(struct spec *s);

#endif
