/* backoff.h - retry delays: exponential, capped, with jitter.
 *
 * Many clients retrying in lockstep after a leader change would hit the new
 * leader together; jitter spreads them. "Equal jitter" keeps at least half of
 * the exponential delay, so a retry never comes back immediately.
 */
#ifndef RDC_BACKOFF_H
#define RDC_BACKOFF_H

#include <stdint.h>

/* Seed a generator state (never 0 afterwards). */
void rdc__rand_seed(uint64_t *state, uint64_t seed);
uint64_t rdc__rand_next(uint64_t *state);

/* The delay in ms before retry number attempt (1 for the first retry):
 * d = min(cap, base * 2^(attempt-1)), and the result is uniform in
 * [d/2, d]. base and cap must be > 0. */
uint64_t rdc__backoff_ms(unsigned attempt, unsigned base, unsigned cap,
			 uint64_t *rand_state);

#endif
