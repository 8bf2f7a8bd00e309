/* TCP-MD5 signatures (RFC 2385, net/tcp_md5.c) and the MD5 under them (RFC 1321, net/md5.c).
 *
 * MD5 against RFC 1321 A.5's test suite, fed whole and in pieces.  TCP_MD5SIG's errors as
 * Linux gives them.  Over the in-memory wire: a signed connection moves data both ways, and
 * every segment goes through the general output path (a's interface offers TSO through a fake
 * device, as tcp_tso.c's: a signed connection must never hand it a large segment, while an
 * unsigned one beside it does), also under loss; a wrong key, a missing key and an
 * unexpected signature keep the connection from opening, each counted; prefix keys.  The independent checks of the digests are the
 * conformance runner's (Python's hashlib) and Linux's own (suite 31's interop). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/testutil.h"
#include "host/wire.h"
#include "host/fault.h"
#include "host/stos_api.h"
#include "net/netstack.h"
#include "net/tcp_var.h"
#include "net/md5.h"
#include "tests/tcp/tso_ref.h"
#include <stos/socket.h>
#include <stos/in.h>
#include "host/sin.h"

/* ---- MD5 ---------------------------------------------------------------------------------- */

static void hex(const uint8_t *d, char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void test_md5_rfc1321(void **state)
{
	(void)state;
	/* RFC 1321 A.5. */
	static const struct { const char *in, *out; } v[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t n = strlen(v[i].in);
		/* Whole, then in pieces of every size from 1 to 13 bytes. */
		for (size_t piece = 0; piece <= 13; piece++) {
			struct md5_ctx c;
			uint8_t d[MD5_DIGEST_LEN];
			char h[33];
			md5_init(&c);
			if (piece == 0) {
				md5_update(&c, v[i].in, n);
			} else {
				for (size_t o = 0; o < n; o += piece)
					md5_update(&c, v[i].in + o, n - o < piece ? n - o : piece);
			}
			md5_final(&c, d);
			hex(d, h);
			assert_string_equal(h, v[i].out);
		}
	}
}

/* ---- TCP_MD5SIG --------------------------------------------------------------------------- */

/* A struct tcp_md5sig for peer with keylen bytes of key (NULL: none; at most 80 copied). */
static struct tcp_md5sig md5sig(uint32_t peer, const char *key, size_t keylen)
{
	struct tcp_md5sig k;
	memset(&k, 0, sizeof k);
	struct sockaddr_in sin = sin_h(peer, 0);
	memcpy(&k.tcpm_addr, &sin, sizeof sin);
	k.tcpm_keylen = (uint16_t)keylen;
	if (key)
		memcpy(k.tcpm_key, key, keylen < sizeof k.tcpm_key ? keylen : sizeof k.tcpm_key);
	return k;
}

static int set_key(int fd, uint32_t peer, const char *key, size_t keylen, socklen_t len)
{
	struct tcp_md5sig k = md5sig(peer, key, keylen);
	return stos_setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &k, len);
}

static int key(int fd, uint32_t peer, const char *k)
{
	return set_key(fd, peer, k, strlen(k), sizeof(struct tcp_md5sig));
}

/* TCP_MD5SIG_EXT: k (NULL: delete) for addr/prefixlen, with flags and ifindex as given. */
static int key_ext(int fd, uint32_t addr, unsigned prefixlen, unsigned flags, int ifindex,
    const char *k)
{
	struct tcp_md5sig m = md5sig(addr, k, k ? strlen(k) : 0);
	m.tcpm_flags = (uint8_t)flags;
	m.tcpm_prefixlen = (uint8_t)prefixlen;
	m.tcpm_ifindex = ifindex;
	return stos_setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG_EXT, &m, sizeof m);
}

static void test_md5sig_errors(void **state)
{
	(void)state;
	struct tu_duo d;
	tu_duo_up(&d, NULL);
	int s = stos_socket(d.a, AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	/* Linux: the whole struct or EINVAL; AF_INET only; at most 80 key bytes. */
	assert_int_equal(set_key(s, TU_DUO_B, "k", 1, sizeof(struct tcp_md5sig) - 1), -1);
	assert_int_equal(errno, EINVAL);
	struct tcp_md5sig k6;
	memset(&k6, 0, sizeof k6);
	k6.tcpm_addr.ss_family = 10;        /* AF_INET6 */
	k6.tcpm_keylen = 1;
	assert_int_equal(stos_setsockopt(s, IPPROTO_TCP, TCP_MD5SIG, &k6, sizeof k6), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(set_key(s, TU_DUO_B, NULL, 81, sizeof(struct tcp_md5sig)), -1);
	assert_int_equal(errno, EINVAL);
	/* Deleting a key that is not there. */
	assert_int_equal(set_key(s, TU_DUO_B, NULL, 0, sizeof(struct tcp_md5sig)), -1);
	assert_int_equal(errno, ENOENT);
	/* 64 keys, one per peer; a 65th is refused; replacing one is not adding. */
	for (uint32_t i = 0; i < 64; i++)
		assert_int_equal(key(s, 0x0a010000u + i, "secret"), 0);
	assert_int_equal(key(s, 0x0a020000u, "secret"), -1);
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(set_key(s, 0x0a010005u, NULL, 80, sizeof(struct tcp_md5sig)), 0);
	/* Deleted one by one (each found, then gone). */
	for (uint32_t i = 0; i < 64; i++)
		assert_int_equal(set_key(s, 0x0a010000u + i, NULL, 0, sizeof(struct tcp_md5sig)), 0);
	assert_int_equal(set_key(s, 0x0a010000u, NULL, 0, sizeof(struct tcp_md5sig)), -1);
	assert_int_equal(errno, ENOENT);
	/* TCP_MD5SIG_EXT: a prefix of at most 32 bits; an interface index (Linux: only a
	 * VRF's) refused, the flag alone with index 0 taken; TCP_MD5SIG ignores both fields. */
	assert_int_equal(key_ext(s, 0x0a000000u, 33, TCP_MD5SIG_FLAG_PREFIX, 0, "k"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(key_ext(s, 0x0a000000u, 24, TCP_MD5SIG_FLAG_PREFIX |
	    TCP_MD5SIG_FLAG_IFINDEX, 3, "k"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(key_ext(s, 0x0a000000u, 24, TCP_MD5SIG_FLAG_PREFIX |
	    TCP_MD5SIG_FLAG_IFINDEX, 0, "k"), 0);
	assert_int_equal(key_ext(s, 0x0a000000u, 24, TCP_MD5SIG_FLAG_PREFIX, 0, NULL), 0);
	assert_int_equal(key_ext(s, 0x0a000000u, 24, TCP_MD5SIG_FLAG_PREFIX, 0, NULL), -1);
	assert_int_equal(errno, ENOENT);
	struct tcp_md5sig odd = md5sig(TU_DUO_B, "k", 1);
	odd.tcpm_flags = TCP_MD5SIG_FLAG_PREFIX;
	odd.tcpm_prefixlen = 200;
	assert_int_equal(stos_setsockopt(s, IPPROTO_TCP, TCP_MD5SIG, &odd, sizeof odd), 0);
	assert_int_equal(set_key(s, TU_DUO_B, NULL, 0, sizeof(struct tcp_md5sig)), 0);
	/* Keys left on a socket are freed with it (tu_duo_free checks the memory). */
	assert_int_equal(key(s, TU_DUO_B, "left behind"), 0);
	stos_close(s);
	world_run(d.w, 10 * MSEC);
	tu_duo_free(&d);
}

/* ---- over the wire ------------------------------------------------------------------------ */

/* A's fake TSO device (tso_ref.h): large segments are counted and cut as an 8254x does. */
static void (*wire_start)(struct ifnet *ifp);
static uint64_t dev_large;

static void dev_start(struct ifnet *ifp)
{
	struct mbuf *list = tso_ref_take_all(ifp);
	uint32_t len, segsz;
	unsigned flags;
	uint8_t *f;
	static uint8_t piece[TSO_REF_ETH + 60 + 60 + 65536];
	while ((f = tso_ref_next_flat(&list, &len, &flags, &segsz)) != NULL) {
		size_t n;
		if (flags & CSUM_TSO) {
			dev_large++;
			for (uint32_t i = 0; (n = tso_ref_piece(f, len, segsz, i, piece)) != 0; i++) {
				mbufq_enqueue(&ifp->if_snd, tu_chain(piece, (uint32_t)n, 0));
				wire_start(ifp);
			}
		} else {
			if (flags & (CSUM_IP | CSUM_TCP))
				tso_ref_finish_sums(f, flags);
			mbufq_enqueue(&ifp->if_snd, tu_chain(f, len, 0));
			wire_start(ifp);
		}
		free(f);
	}
}

static void duo_up_tso(struct tu_duo *d)
{
	tu_duo_up(d, NULL);
	dev_large = 0;
	NET_LOCK(d->a);
	wire_start = d->ea->if_start;
	d->ea->if_start = dev_start;
	d->ea->if_capabilities = d->ea->if_hwassist = CSUM_IP | CSUM_TCP | CSUM_TSO;
	NET_UNLOCK(d->a);
}

#define XFER (256 * 1024)

/* b listens on port (with kb as its key for a, if not NULL), a connects (with ka for b);
 * returns b's accepted socket or -1 after 2 s. */
static int open_pair(struct tu_duo *d, uint16_t port, const char *ka, const char *kb, int *l,
    int *c)
{
	struct sockaddr_in sb = sin_h(TU_DUO_B, port);
	*l = stos_socket(d->b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(*l >= 0);
	if (kb)
		assert_int_equal(key(*l, TU_DUO_A, kb), 0);
	assert_int_equal(stos_bind(*l, (struct sockaddr *)&sb, sizeof sb), 0);
	assert_int_equal(stos_listen(*l, 4), 0);
	*c = stos_socket(d->a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(*c >= 0);
	if (ka)
		assert_int_equal(key(*c, TU_DUO_B, ka), 0);
	assert_int_equal(stos_connect(*c, (struct sockaddr *)&sb, sizeof sb), -1);
	assert_int_equal(errno, EINPROGRESS);
	int s = -1;
	for (int i = 0; i < 2000 && s < 0; i++) {
		world_run(d->w, 1 * MSEC);
		s = stos_accept(*l, NULL, NULL);
	}
	if (s >= 0)
		assert_int_equal(stos_set_nonblock(s, 1), 0);
	return s;
}

/* XFER bytes from `from` to `to`, byte i = i % 251; asserts every byte. */
static void xfer(struct tu_duo *d, int from, int to)
{
	static uint8_t out[XFER], in[XFER];
	for (size_t i = 0; i < XFER; i++)
		out[i] = (uint8_t)(i % 251);
	size_t sent = 0, got = 0;
	for (int i = 0; i < 100000 && got < XFER; i++) {
		if (sent < XFER) {
			ssize_t r = stos_send(from, out + sent, XFER - sent, MSG_DONTWAIT);
			if (r > 0)
				sent += (size_t)r;
		}
		ssize_t r = stos_recv(to, in + got, XFER - got, MSG_DONTWAIT);
		if (r > 0)
			got += (size_t)r;
		else
			world_run(d->w, 1 * MSEC);
	}
	assert_int_equal(got, XFER);
	assert_memory_equal(in, out, XFER);
}

static unsigned long long tcpstat(struct netstack *ns, const char *name)
{
	return stos_stat(ns, "tcp", name);
}

static void test_md5_signed_transfer(void **state)
{
	(void)state;
	struct tu_duo d;
	duo_up_tso(&d);
	int l, c, s;
	s = open_pair(&d, 5001, "a shared secret", "a shared secret", &l, &c);
	assert_true(s >= 0);
	xfer(&d, c, s);
	xfer(&d, s, c);
	/* Signed: no large segment ever reached the device. */
	assert_int_equal(dev_large, 0);
	assert_int_equal(tcpstat(d.a, "sndtso"), 0);
	static const char *const drops[] = { "md5missing", "md5bad", "md5unexpected" };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tcpstat(d.a, drops[i]), 0);
		assert_int_equal(tcpstat(d.b, drops[i]), 0);
	}
	/* The same transfer unsigned beside it does use the device's segmentation. */
	int l2, c2, s2 = open_pair(&d, 5002, NULL, NULL, &l2, &c2);
	assert_true(s2 >= 0);
	xfer(&d, c2, s2);
	assert_true(dev_large > 0);
	stos_close(c2);
	stos_close(s2);
	stos_close(l2);
	tu_duo_close(&d, l, c, s);
	tu_duo_free(&d);
}

/* Signed under 2% loss both ways: with timestamps and the signature no SACK block fits in
 * the options (as on Linux), so recovery runs on duplicate ACKs alone, and every
 * retransmission is signed anew. */
static void test_md5_signed_under_loss(void **state)
{
	(void)state;
	struct tu_duo d;
	struct fault_conf fc = { .loss_ppm = 20000, .seed = 17 };
	tu_duo_up(&d, &fc);
	int l, c, s;
	s = open_pair(&d, 5001, "lossy secret", "lossy secret", &l, &c);
	assert_true(s >= 0);
	xfer(&d, c, s);
	xfer(&d, s, c);
	assert_true(tcpstat(d.a, "sndrexmitpack") > 0);
	assert_true(tcpstat(d.b, "sndrexmitpack") > 0);
	assert_int_equal(tcpstat(d.a, "md5bad") + tcpstat(d.b, "md5bad"), 0);
	tu_duo_close(&d, l, c, s);
	tu_duo_free(&d);
}

/* A connection that cannot open: a's SYNs are dropped at b (counted under `reason`), a stays
 * in SYN-SENT, and b neither answers nor accepts. */
static void refused(const char *ka, const char *kb, const char *reason)
{
	struct tu_duo d;
	tu_duo_up(&d, NULL);
	int l, c;
	assert_int_equal(open_pair(&d, 5001, ka, kb, &l, &c), -1);
	assert_true(tcpstat(d.b, reason) >= 2);        /* the SYN and its retransmission */
	assert_int_equal(tcpstat(d.b, "sndctrl"), 0);   /* no SYN-ACK, no RST */
	struct tcp_info ti;
	unsigned len = sizeof ti;
	assert_int_equal(stos_getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(ti.tcpi_state, TCPS_SYN_SENT);
	tu_duo_close(&d, l, c, -1);
	tu_duo_free(&d);
}

static void test_md5_wrong_key(void **state)
{
	(void)state;
	refused("one secret", "another secret", "md5bad");
}

static void test_md5_missing_signature(void **state)
{
	(void)state;
	refused(NULL, "a secret", "md5missing");
}

static void test_md5_unexpected_signature(void **state)
{
	(void)state;
	refused("a secret", NULL, "md5unexpected");
}

/* TCP_MD5SIG_EXT prefixes on a listener: of the keys covering a peer the longest prefix
 * signs and checks, and deleting it leaves the shorter one in force. */
static void test_md5_prefix_keys(void **state)
{
	(void)state;
	struct tu_duo d;
	tu_duo_up(&d, NULL);
	struct sockaddr_in sb = sin_h(TU_DUO_B, 5001);
	int l = stos_socket(d.b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(key_ext(l, 0x0a000000u, 24, TCP_MD5SIG_FLAG_PREFIX, 0, "net-key"), 0);
	assert_int_equal(key_ext(l, TU_DUO_A, 32, TCP_MD5SIG_FLAG_PREFIX, 0, "host-key"), 0);
	assert_int_equal(stos_bind(l, (struct sockaddr *)&sb, sizeof sb), 0);
	assert_int_equal(stos_listen(l, 4), 0);
	/* a signs with each key in turn; only the /32's opens a connection while it is there. */
	static const char *const tries[] = { "net-key", "host-key", "net-key" };
	static const int opens[] = { 0, 1, 1 };
	for (int t = 0; t < 3; t++) {
		if (t == 2)
			assert_int_equal(key_ext(l, TU_DUO_A, 32, TCP_MD5SIG_FLAG_PREFIX, 0, NULL), 0);
		int c = stos_socket(d.a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_int_equal(key(c, TU_DUO_B, tries[t]), 0);
		assert_int_equal(stos_connect(c, (struct sockaddr *)&sb, sizeof sb), -1);
		int s = -1;
		for (int i = 0; i < 500 && s < 0; i++) {
			world_run(d.w, 1 * MSEC);
			s = stos_accept(l, NULL, NULL);
		}
		assert_int_equal(s >= 0, opens[t]);
		if (s >= 0) {
			assert_int_equal(stos_send(c, "signed", 6, 0), 6);
			world_run(d.w, 50 * MSEC);
			char b[8];
			assert_int_equal(stos_recv(s, b, sizeof b, MSG_DONTWAIT), 6);
			stos_close(s);
		}
		stos_close(c);
		world_run(d.w, 10 * MSEC);
	}
	assert_true(tcpstat(d.b, "md5bad") >= 1);
	tu_duo_close(&d, l, -1, -1);
	tu_duo_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md5_rfc1321),
		cmocka_unit_test(test_md5sig_errors),
		cmocka_unit_test(test_md5_signed_transfer),
		cmocka_unit_test(test_md5_signed_under_loss),
		cmocka_unit_test(test_md5_wrong_key),
		cmocka_unit_test(test_md5_missing_signature),
		cmocka_unit_test(test_md5_unexpected_signature),
		cmocka_unit_test(test_md5_prefix_keys),
	};
	return TU_RUN(tests);
}
