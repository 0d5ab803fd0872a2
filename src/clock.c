#include <errno.h>
#include <sys/time.h>
#include <time.h>

#include "clock.h"

#define SLICE_MS 50

uint64_t
clock_now(const struct fd_clock *c)
{
	return c->now_ms(c->ctx);
}

int
clock_cancelled(const struct fd_clock *c)
{
	return c->cancel != NULL && *c->cancel != 0;
}

int
clock_sleep(const struct fd_clock *c, uint64_t ms)
{
	while (ms > 0) {
		uint64_t step = ms > SLICE_MS ? SLICE_MS : ms;

		if (clock_cancelled(c))
			return -ECANCELED;
		c->sleep_ms(c->ctx, step);
		ms -= step;
	}
	return clock_cancelled(c) ? -ECANCELED : 0;
}

static uint64_t
real_now(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
real_sleep(void *ctx, uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	(void)ctx;
	/* EINTR: return early; clock_sleep() re-checks the cancel flag. */
	nanosleep(&ts, NULL);
}

void
clock_init_real(struct fd_clock *c, volatile sig_atomic_t *cancel)
{
	c->now_ms = real_now;
	c->sleep_ms = real_sleep;
	c->ctx = NULL;
	c->cancel = cancel;
}

static uint64_t
virt_now(void *ctx)
{
	return ((struct vclock *)ctx)->now;
}

static void
virt_sleep(void *ctx, uint64_t ms)
{
	struct vclock *v = ctx;

	v->now += ms;
	v->slept_total += ms;
	v->sleeps++;
}

void
clock_init_virtual(struct fd_clock *c, struct vclock *v,
    volatile sig_atomic_t *cancel)
{
	c->now_ms = virt_now;
	c->sleep_ms = virt_sleep;
	c->ctx = v;
	c->cancel = cancel;
}

double
clock_wall(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int64_t
retry_delay(const struct fd_retry *r, const struct fd_clock *c,
    unsigned attempt, int64_t hint_ms)
{
	uint64_t d;
	unsigned i;

	if (attempt >= r->max_attempts)
		return -1;
	d = r->base_ms;
	for (i = 1; i < attempt && d < r->max_ms; i++)
		d *= 2;
	if (d > r->max_ms)
		d = r->max_ms;
	if (hint_ms > 0 && (uint64_t)hint_ms > d)
		d = (uint64_t)hint_ms;
	if (r->deadline != 0 && clock_now(c) + d > r->deadline)
		return -1;
	return (int64_t)d;
}
