/*
 * bench/dtls/provision.c: puts N device credentials into a running lwm2md
 * before a DTLS benchmark. It reads lines "ENDPOINT JSON" (what
 * `lwm2m-fleet --print-credentials` prints) on stdin and sends each as
 * PUT /api/v1/security/ENDPOINT with the admin token, over JOBS keep-alive
 * HTTP/1.1 connections at once (one process each), so that 100,000
 * credentials take seconds rather than 100,000 curl runs.
 *
 *   lwm2m-fleet ... --print-credentials | provision -p HTTP_PORT -t TOKEN [-j JOBS]
 *
 * Every answer must be 200 (the credential is durable in the store then);
 * prints "provisioned N credentials in S s" and exits 1 on any other answer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int connect_to(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1;
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads one whole answer (headers and Content-Length body): its status, or
 * -1; *close_after when the server closes the connection after it. */
static int read_answer(int fd, char *buf, size_t cap, int *close_after)
{
	size_t len = 0;
	for (;;) {
		buf[len] = 0;
		char *end = strstr(buf, "\r\n\r\n");
		if (end) {
			const char *cl = strcasestr(buf, "\r\nContent-Length:");
			size_t body = cl ? strtoul(cl + 17, NULL, 10) : 0;
			size_t want = (size_t)(end + 4 - buf) + body;
			if (len >= want) {
				int status = 0;
				sscanf(buf, "HTTP/1.%*d %d", &status);
				*close_after = strcasestr(buf, "\r\nConnection: close") != NULL;
				return status;
			}
		}
		if (len + 1 >= cap)
			return -1;
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
}

/* One job: the lines i with i % jobs == job. 0 or 1. */
static int run_job(char **lines, size_t n, int job, int jobs, int port, const char *token)
{
	static char req[8192], ans[65536];
	int fd = -1, bad = 0;
	for (size_t i = (size_t)job; i < n; i += (size_t)jobs) {
		char *sp = strchr(lines[i], ' ');
		if (!sp)
			continue;
		*sp = 0;
		const char *json = sp + 1;
		int len = snprintf(req, sizeof(req),
		                   "PUT /api/v1/security/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		                   "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
		                   "Content-Length: %zu\r\n\r\n%s",
		                   lines[i], token, strlen(json), json);
		if (len <= 0 || (size_t)len >= sizeof(req))
			return 1;
		int status = -1, close_after = 1;
		for (int attempt = 0; attempt < 2 && status < 0; attempt++) {
			if (fd < 0)
				fd = connect_to(port);
			if (fd < 0)
				break;
			if (write_all(fd, req, (size_t)len) == 0)
				status = read_answer(fd, ans, sizeof(ans), &close_after);
			if (status < 0 || close_after) {
				close(fd);
				fd = -1;
			}
		}
		if (status != 200) {
			if (bad++ < 5)
				fprintf(stderr, "provision: PUT %s: %d %s\n", lines[i], status,
				        status > 0 ? strstr(ans, "\r\n\r\n") + 4 : "");
		}
	}
	if (fd >= 0)
		close(fd);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	int port = 0, jobs = 8, c;
	const char *token = getenv("LWM2MD_ADMIN_TOKEN");
	while ((c = getopt(argc, argv, "p:t:j:")) != -1) {
		switch (c) {
		case 'p':
			port = atoi(optarg);
			break;
		case 't':
			token = optarg;
			break;
		case 'j':
			jobs = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (port <= 0 || !token || jobs < 1 || jobs > 256)
		goto usage;
	size_t n = 0, cap = 1024;
	char **lines = malloc(cap * sizeof(*lines));
	char *line = NULL;
	size_t lcap = 0;
	ssize_t l;
	while (lines && (l = getline(&line, &lcap, stdin)) > 0) {
		if (line[l - 1] == '\n')
			line[l - 1] = 0;
		if (n == cap) {
			cap *= 2;
			char **more = realloc(lines, cap * sizeof(*lines));
			if (!more)
				return 1;
			lines = more;
		}
		lines[n] = strdup(line);
		if (!lines[n])
			return 1;
		n++;
	}
	free(line);
	if (!lines)
		return 1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pids[256];
	for (int j = 0; j < jobs; j++) {
		pids[j] = fork();
		if (pids[j] < 0)
			return 1;
		if (pids[j] == 0)
			_exit(run_job(lines, n, j, jobs, port, token));
	}
	int failed = 0;
	for (int j = 0; j < jobs; j++) {
		int st;
		if (waitpid(pids[j], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			failed = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("provisioned %zu credentials in %.1f s%s\n", n, s, failed ? " (with FAILURES)" : "");
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return failed;
usage:
	fprintf(stderr, "usage: lwm2m-fleet ... --print-credentials | provision -p HTTP_PORT "
	                "-t TOKEN [-j JOBS]\n");
	return 2;
}
