/*
 * tests/integration/httpc.c: the raw-socket HTTP client of the REST API
 * tests (see httpc.h). It reports failures instead of asserting, so that
 * each test says in its own words what it expected.
 */
#include "httpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"

int httpc_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	int port = -1;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

int httpc_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons((uint16_t)port),
	                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int httpc_send_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int httpc_send(int port, const char *method, const char *target, const char *auth,
               const char *more_headers, const char *body)
{
	int fd = httpc_connect(port);
	if (fd < 0)
		return -1;
	char req[4096], clen[96] = "";
	if (body)
		snprintf(clen, sizeof(clen),
		         "Content-Type: application/json\r\nContent-Length: %zu\r\n", strlen(body));
	int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s%s%s%s%s\r\n",
	                 method, target, port, auth ? "Authorization: " : "", auth ? auth : "",
	                 auth ? "\r\n" : "", more_headers ? more_headers : "", clen);
	if (n < 0 || (size_t)n >= sizeof(req) || httpc_send_all(fd, req, (size_t)n) != 0 ||
	    (body && httpc_send_all(fd, body, strlen(body)) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

int httpc_read_until(int fd, char *buf, size_t cap, size_t *len, const char *needle,
                     int timeout_ms)
{
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		buf[*len] = '\0';
		if (needle && strstr(buf, needle))
			return 0;
		uint64_t now = lw_now_ms();
		if (now >= end || *len + 1 >= cap)
			return -1;
		struct pollfd p = {fd, POLLIN, 0};
		int pr = poll(&p, 1, (int)(end - now));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return -1;
		ssize_t n = recv(fd, buf + *len, cap - *len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return needle ? -1 : 0;
		*len += (size_t)n;
	}
}

static int fail(struct httpc_resp *r, const char *why)
{
	r->status = 0;
	snprintf(r->raw, sizeof(r->raw), "%s", why);
	r->body = r->raw;
	return -1;
}

int httpc_request(struct httpc_resp *r, int port, const char *method, const char *target,
                  const char *auth, const char *more_headers, const char *body,
                  int timeout_ms)
{
	memset(r, 0, sizeof(*r));
	int fd = httpc_send(port, method, target, auth, more_headers, body);
	if (fd < 0)
		return fail(r, "cannot connect or send");
	size_t len = 0;
	if (httpc_read_until(fd, r->raw, sizeof(r->raw), &len, "\r\n\r\n", timeout_ms) != 0) {
		close(fd);
		return fail(r, "no headers in the answer");
	}
	if (sscanf(r->raw, "HTTP/1.1 %d", &r->status) != 1) {
		close(fd);
		return fail(r, "not HTTP");
	}
	size_t hlen = (size_t)(strstr(r->raw, "\r\n\r\n") + 4 - r->raw);
	const char *cl = strstr(r->raw, "\r\nContent-Length: ");
	if (!cl || cl >= r->raw + hlen) {
		close(fd);
		r->body = r->raw + hlen;
		return -1; /* the caller sees the raw headers */
	}
	size_t want = hlen + (size_t)strtoul(cl + 18, NULL, 10);
	if (want >= sizeof(r->raw)) {
		close(fd);
		return fail(r, "answer too large");
	}
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	while (len < want && lw_now_ms() < end)
		httpc_read_until(fd, r->raw, want + 1, &len, NULL, 100);
	close(fd);
	r->body = r->raw + hlen;
	return len == want ? 0 : -1;
}
