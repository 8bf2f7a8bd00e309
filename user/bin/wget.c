/* wget [-q] [-O file] http://host[:port]/path: fetch a URL over HTTP/1.0 (RFC 1945) to a
 * file (default: the last path component, or index.html) or to stdout with -O -.
 * Follows up to 5 redirects; shows progress on stderr when stderr is a terminal.
 * Exits 0 on a 2xx answer with the whole body, 1 otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int quiet;

struct url {
	char host[256];
	char port[8];
	char path[2048];
};

static int parse_url(const char *s, struct url *u)
{
	const char *p, *slash, *colon;
	size_t hl;
	if (strncasecmp(s, "http://", 7) != 0) {
		fprintf(stderr, "wget: %s: only http:// URLs are supported\n", s);
		return -1;
	}
	p = s + 7;
	slash = strchr(p, '/');
	if (!slash)
		slash = p + strlen(p);
	colon = memchr(p, ':', (size_t)(slash - p));
	hl = (size_t)((colon ? colon : slash) - p);
	if (hl == 0 || hl >= sizeof(u->host))
		return -1;
	memcpy(u->host, p, hl);
	u->host[hl] = 0;
	if (colon) {
		size_t pl = (size_t)(slash - colon - 1);
		if (pl == 0 || pl >= sizeof(u->port))
			return -1;
		memcpy(u->port, colon + 1, pl);
		u->port[pl] = 0;
	} else {
		strcpy(u->port, "80");
	}
	snprintf(u->path, sizeof(u->path), "%s", *slash ? slash : "/");
	return 0;
}

static int connect_to(const struct url *u)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, err;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	err = getaddrinfo(u->host, u->port, &hints, &res);
	if (err) {
		fprintf(stderr, "wget: %s: %s\n", u->host, gai_strerror(err));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		fprintf(stderr, "wget: connect to %s:%s: %s\n", u->host, u->port, strerror(errno));
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One request.  Returns the HTTP status; *location gets a redirect target. */
static int fetch(const struct url *u, const char *out, char *location, size_t loclen)
{
	static char buf[65536];
	char req[2600], *eoh, *line;
	size_t have = 0;
	long clen = -1, got = 0;
	int fd = connect_to(u), status, ofd = -1, progress = !quiet && isatty(2);
	double start = now(), last = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: stos-wget/1\r\nAccept: */*\r\n"
		     "Connection: close\r\n\r\n",
		     u->path, u->host);
	if (write_all(fd, req, (size_t)n) < 0) {
		fprintf(stderr, "wget: send: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	/* Read until the end of the header block. */
	for (;;) {
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0) {
			fprintf(stderr, "wget: connection closed before the response header\n");
			close(fd);
			return -1;
		}
		have += (size_t)n;
		buf[have] = 0;
		eoh = strstr(buf, "\r\n\r\n");
		if (eoh)
			break;
		if (have == sizeof(buf) - 1) {
			fprintf(stderr, "wget: response header too long\n");
			close(fd);
			return -1;
		}
	}
	*eoh = 0;
	if (sscanf(buf, "HTTP/%*d.%*d %d", &status) != 1) {
		fprintf(stderr, "wget: malformed status line\n");
		close(fd);
		return -1;
	}
	for (line = strstr(buf, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
		char *h = line + 2;
		if (strncasecmp(h, "Content-Length:", 15) == 0)
			clen = strtol(h + 15, NULL, 10);
		else if (strncasecmp(h, "Location:", 9) == 0 && location) {
			char *v = h + 9;
			size_t l;
			while (*v == ' ')
				v++;
			l = strcspn(v, "\r\n");
			if (l < loclen) {
				memcpy(location, v, l);
				location[l] = 0;
			}
		}
	}
	if (status >= 300 && status < 400) {
		close(fd);
		return status;
	}
	if (status < 200 || status >= 300) {
		fprintf(stderr, "wget: server answered %d\n", status);
		close(fd);
		return status;
	}
	ofd = strcmp(out, "-") == 0 ? 1 : open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ofd < 0) {
		fprintf(stderr, "wget: %s: %s\n", out, strerror(errno));
		close(fd);
		return -1;
	}
	/* Body bytes that came with the header, then the rest. */
	{
		size_t off = (size_t)(eoh + 4 - buf);
		if (have > off) {
			write_all(ofd, buf + off, have - off);
			got += (long)(have - off);
		}
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (write_all(ofd, buf, (size_t)n) < 0) {
			fprintf(stderr, "wget: write: %s\n", strerror(errno));
			break;
		}
		got += n;
		if (progress && now() - last > 0.2) {
			last = now();
			if (clen > 0)
				fprintf(stderr, "\r%ld / %ld bytes (%ld%%)", got, clen, got * 100 / clen);
			else
				fprintf(stderr, "\r%ld bytes", got);
		}
	}
	close(fd);
	if (ofd != 1)
		close(ofd);
	if (!quiet) {
		double t = now() - start;
		fprintf(stderr, "%s%ld bytes in %.2f s (%.1f KB/s) -> %s\n", progress ? "\r" : "", got, t,
			t > 0 ? got / t / 1024 : 0.0, strcmp(out, "-") == 0 ? "stdout" : out);
	}
	if (clen >= 0 && got != clen) {
		fprintf(stderr, "wget: short body: %ld of %ld bytes\n", got, clen);
		return -1;
	}
	return status;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	char target[2100], location[2100], name[256];
	struct url u;
	int c, status = -1;

	while ((c = getopt(argc, argv, "qO:")) != -1) {
		if (c == 'q')
			quiet = 1;
		else if (c == 'O')
			out = optarg;
		else {
			fprintf(stderr, "usage: wget [-q] [-O file] http://host[:port]/path\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: wget [-q] [-O file] http://host[:port]/path\n");
		return 2;
	}
	snprintf(target, sizeof(target), "%s", argv[optind]);
	for (int hops = 0; hops < 6; hops++) {
		if (parse_url(target, &u) < 0) {
			fprintf(stderr, "wget: %s: bad URL\n", target);
			return 1;
		}
		if (!out) {
			const char *base = strrchr(u.path, '/');
			base = base && base[1] ? base + 1 : "index.html";
			snprintf(name, sizeof(name), "%s", base);
			name[strcspn(name, "?#")] = 0;
			out = name;
		}
		location[0] = 0;
		status = fetch(&u, out, location, sizeof(location));
		if (status < 300 || status >= 400)
			break;
		if (!location[0]) {
			fprintf(stderr, "wget: redirect %d without Location\n", status);
			return 1;
		}
		if (location[0] == '/')
			snprintf(target, sizeof(target), "http://%s:%s%s", u.host, u.port, location);
		else
			snprintf(target, sizeof(target), "%s", location);
	}
	return status >= 200 && status < 300 ? 0 : 1;
}
