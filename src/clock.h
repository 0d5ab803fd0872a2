/*
 * Injected time.  Everything that waits (LRO polling, retry backoff, probe
 * pacing in tests) goes through a struct fd_clock so the core's policies
 * are tested once with a virtual clock.  Providers get a clock from the core
 * and never call sleep(3) themselves.
 */
#ifndef FD_CLOCK_H
#define FD_CLOCK_H

#include <signal.h>
#include <stdint.h>

struct fd_clock {
	uint64_t (*now_ms)(void *ctx);	/* monotonic milliseconds */
	void (*sleep_ms)(void *ctx, uint64_t ms);
	void *ctx;
	/* When non-NULL and *cancel becomes non-zero, clock_sleep() returns
	 * -ECANCELED early.  The restore path uses a clock with cancel NULL,
	 * so a second signal never cuts restore short. */
	volatile sig_atomic_t *cancel;
};

uint64_t clock_now(const struct fd_clock *c);
/* Sleep ms (in slices, watching *cancel); 0 or -ECANCELED. */
int clock_sleep(const struct fd_clock *c, uint64_t ms);
int clock_cancelled(const struct fd_clock *c);

/* CLOCK_MONOTONIC and nanosleep. */
void clock_init_real(struct fd_clock *c, volatile sig_atomic_t *cancel);

/* A virtual clock: sleeping advances time instantly. */
struct vclock {
	uint64_t now;
	uint64_t slept_total;
	unsigned sleeps;
};
void clock_init_virtual(struct fd_clock *c, struct vclock *v,
    volatile sig_atomic_t *cancel);

/* Wall clock, seconds since the epoch with milliseconds, for reports. */
double clock_wall(void);

/*
 * Retry policy for transient failures (HTTP 429/5xx, SSH connect):
 * exponential backoff from base_ms, capped at max_ms, a server hint
 * (Retry-After) taking precedence when larger, and never past deadline.
 */
struct fd_retry {
	unsigned max_attempts;	/* total tries including the first */
	uint64_t base_ms;
	uint64_t max_ms;
	uint64_t deadline;	/* absolute clock_now() value; 0 = none */
};
/* Delay before try number attempt+1 (attempt >= 1 failed so far), or -1
 * when the policy is exhausted or the deadline would be passed. */
int64_t retry_delay(const struct fd_retry *r, const struct fd_clock *c,
    unsigned attempt, int64_t hint_ms);

#endif
