/* Kernel random bytes for getrandom(2): RDRAND when the CPU has it (CPUID.1:ECX bit 30,
 * Intel SDM vol. 1 7.3.17), mixed into a xoshiro256** generator seeded at boot from the TSC
 * and the RTC and stirred with the TSC of every timer tick.  Not cryptographically strong
 * without RDRAND; good enough for ephemeral ports and TCP ISNs in a teaching system. */
#include "klib.h"
#include "sync.h"
#include "arch/x86.h"
#include "dev/clock.h"
#include "dev/random.h"

static uint64_t s[4];
static int have_rdrand;
static struct spinlock rnd_lock;

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next(void)
{
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int rdrand64(uint64_t *v)
{
	unsigned char ok;
	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
	return ok;
}

void random_init(void)
{
	spin_init(&rnd_lock, "random");
	uint32_t r[4];
	cpuid(1, 0, r);
	have_rdrand = (r[2] >> 30) & 1;
	uint64_t seed = rdtsc() ^ ((uint64_t)rtc_read_epoch() << 20);
	for (int i = 0; i < 4; i++)
		s[i] = splitmix(&seed);
	kprintf("random: %s\n", have_rdrand ? "RDRAND + xoshiro256**" : "xoshiro256** seeded from TSC/RTC");
}

void random_stir(uint64_t v)
{
	s[0] ^= v;
	s[3] ^= rotl(v, 29);
}

void random_bytes(void *buf, size_t n)
{
	unsigned char *b = buf;
	spin_lock(&rnd_lock);
	while (n) {
		uint64_t v = next(), hw;
		if (have_rdrand && rdrand64(&hw))
			v ^= hw;
		size_t k = MIN(n, sizeof v);
		memcpy(b, &v, k);
		b += k;
		n -= k;
	}
	spin_unlock(&rnd_lock);
}
