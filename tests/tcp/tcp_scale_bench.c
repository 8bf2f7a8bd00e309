/* Instructions per TCP segment at 10, 1,000, 10,000 and 100,000 connections (issue 6: "a
 * flat per-segment cost from 10 to 100,000 connections"), counted by valgrind's callgrind,
 * which is deterministic on a noisy machine.
 *
 * Interface (for bench/hosted and `make bench`; keep it stable):
 *   tcp_scale_bench [--conns N,N,...] [--json FILE] [--valgrind PATH]
 *     For each N (default 10,1000,10000,100000) runs itself under
 *       valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no
 *     with --child N: N connections are opened between two instances on the in-memory wire
 *     (tests/tcp/tcp_scale_world.h) without instrumentation, then 64 echoes of 1000 bytes,
 *     on connections spread over the whole set, are counted: the client's send, the
 *     server's receive and echo, the client's receive, with everything below them (socket
 *     calls, TCP, IP, Ethernet, the wire, the timers that are due: none).  Prints one line
 *     per N:
 *       conns=N segments=S instructions=I instr_per_segment=I/S lookup_visits=V
 *     and, with --json, writes {"tcp_scale": [{"conns": N, "segments": S,
 *     "instructions": I, "instr_per_segment": X, "lookup_visits_per_lookup": Y}, ...]}.
 *     Exit status 0, or 1 when valgrind is missing or a run failed.
 *   tcp_scale_bench --child N: the measured run itself (prints "segments=S lookups=L
 *     visits=V"); meaningful alone too (no instruction count).
 * Segments are TCP segments received by either instance during the measured part (data and
 * the ACKs that carry no data alike); instructions include the harness's own (the echo
 * loop, memcmp), the same at every N. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/callgrind.h>
#include "tests/tcp/tcp_scale_world.h"

#define ECHOES 64
#define ECHO_LEN 1000

static int child(size_t n)
{
	struct scale_world sw;
	struct scale_counters c0, c1;
	if (scale_world_init(&sw) || scale_open(&sw, n))
		return 1;
	/* One echo first, so lazily allocated state (buffers, ARP) is not counted. */
	if (scale_echo_sample(&sw, ECHOES, ECHO_LEN))
		return 1;
	scale_counters(&sw, &c0);
	CALLGRIND_START_INSTRUMENTATION;
	CALLGRIND_TOGGLE_COLLECT;
	int err = scale_echo_sample(&sw, ECHOES, ECHO_LEN);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_STOP_INSTRUMENTATION;
	scale_counters(&sw, &c1);
	if (err)
		return 1;
	printf("segments=%llu lookups=%llu visits=%llu\n",
	    (unsigned long long)(c1.segs - c0.segs), (unsigned long long)(c1.lookups - c0.lookups),
	    (unsigned long long)(c1.visits - c0.visits));
	fflush(stdout);
	_exit(0);       /* no teardown: 100,000 closes are not what is measured */
}

/* callgrind's "totals:" (or "summary:") line: the first event is Ir. */
static unsigned long long read_ir(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned long long ir = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "totals:", 7) || !strncmp(line, "summary:", 8))
			ir = strtoull(strchr(line, ':') + 1, NULL, 10);
	fclose(f);
	return ir;
}

static int measure(const char *self, const char *valgrind, size_t n, unsigned long long *ir,
    unsigned long long *segs, double *vpl)
{
	char out[64], nbuf[32], arg[128], cmd[1024];
	snprintf(out, sizeof out, "/tmp/tcp_scale_bench.%d.cg", (int)getpid());
	snprintf(nbuf, sizeof nbuf, "%zu", n);
	snprintf(arg, sizeof arg, "--callgrind-out-file=%s", out);
	snprintf(cmd, sizeof cmd, "%s --tool=callgrind --instr-atstart=no --collect-atstart=no "
	    "%s %s --child %s 2>/dev/null", valgrind, arg, self, nbuf);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	unsigned long long s = 0, l = 0, v = 0;
	char line[256];
	while (fgets(line, sizeof line, p))
		sscanf(line, "segments=%llu lookups=%llu visits=%llu", &s, &l, &v);
	int rc = pclose(p);
	*ir = read_ir(out);
	unlink(out);
	if (rc != 0 || s == 0 || *ir == 0)
		return -1;
	*segs = s;
	*vpl = l ? (double)v / (double)l : 0;
	return 0;
}

int main(int argc, char **argv)
{
	const char *conns = "10,1000,10000,100000", *json = NULL, *valgrind = "valgrind";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--child") && i + 1 < argc)
			return child((size_t)strtoul(argv[i + 1], NULL, 10));
		else if (!strcmp(argv[i], "--conns") && i + 1 < argc)
			conns = argv[++i];
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else if (!strcmp(argv[i], "--valgrind") && i + 1 < argc)
			valgrind = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--conns N,N,...] [--json FILE] [--valgrind PATH]\n"
			    "       %s --child N\n", argv[0], argv[0]);
			return 2;
		}
	}
	FILE *j = NULL;
	if (json && !(j = fopen(json, "w"))) {
		perror(json);
		return 1;
	}
	if (j)
		fprintf(j, "{\"tcp_scale\": [");
	int status = 0, first = 1;
	char *list = strdup(conns);
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		size_t n = strtoul(tok, NULL, 10);
		unsigned long long ir, segs;
		double vpl;
		if (n == 0 || measure(argv[0], valgrind, n, &ir, &segs, &vpl)) {
			fprintf(stderr, "tcp_scale_bench: the run with %s connections failed\n", tok);
			status = 1;
			continue;
		}
		printf("conns=%zu segments=%llu instructions=%llu instr_per_segment=%.1f "
		    "lookup_visits=%.3f\n", n, segs, ir, (double)ir / (double)segs, vpl);
		fflush(stdout);
		if (j)
			fprintf(j, "%s\n  {\"conns\": %zu, \"segments\": %llu, \"instructions\": %llu, "
			    "\"instr_per_segment\": %.1f, \"lookup_visits_per_lookup\": %.3f}",
			    first ? "" : ",", n, segs, ir, (double)ir / (double)segs, vpl);
		first = 0;
	}
	free(list);
	if (j) {
		fprintf(j, "\n]}\n");
		fclose(j);
	}
	return status;
}
