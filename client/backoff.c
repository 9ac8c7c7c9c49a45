/* backoff.c - capped exponential backoff with equal jitter (see backoff.h).
 *
 * The generator is xorshift64*: jitter needs no cryptographic quality, only
 * independence between processes, which the seed (time and address) gives.
 */
#include "client/backoff.h"

void rdc__rand_seed(uint64_t *state, uint64_t seed)
{
	*state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

uint64_t rdc__rand_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

uint64_t rdc__backoff_ms(unsigned attempt, unsigned base, unsigned cap,
			 uint64_t *rand_state)
{
	uint64_t d = base;
	unsigned shift = attempt > 1 ? attempt - 1 : 0;

	/* Doubling past the cap is pointless and would overflow. */
	while (shift-- > 0 && d < cap)
		d *= 2;
	if (d > cap)
		d = cap;
	return d / 2 + rdc__rand_next(rand_state) % (d - d / 2 + 1);
}
