/*
 * tests/integration/daemon.c: the integration harness (see daemon.h).
 *
 * Children get their output in files rather than pipes: a test can read a
 * daemon's log at any moment without having to drain a pipe, and a child that
 * writes a lot can never block on a full pipe nobody reads.
 */
#include "daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t lw_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

const char *lw_builddir(void)
{
	const char *b = getenv("LW_BUILDDIR");
	return b && *b ? b : ".";
}

void lw_build_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", lw_builddir(), rel);
}

/* ---- files ---- */

char *lw_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *s = malloc(cap);
	while (s) {
		size_t got = fread(s + n, 1, cap - n - 1, f);
		n += got;
		if (n + 1 < cap)
			break;
		cap *= 2;
		char *t = realloc(s, cap);
		if (!t) {
			free(s);
			s = NULL;
			break;
		}
		s = t;
	}
	fclose(f);
	if (s)
		s[n] = '\0';
	return s;
}

int lw_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	size_t n = strlen(text);
	int ok = fwrite(text, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

int lw_wait_for_text(const char *path, const char *needle, int timeout_ms)
{
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		char *s = lw_slurp(path);
		int found = s && strstr(s, needle);
		free(s);
		if (found)
			return 0;
		if (lw_now_ms() >= end)
			return -1;
		sleep_ms(10);
	}
}

int lw_count_lines(const char *s)
{
	int n = 0;
	for (const char *p = s; *p; p++)
		if (*p == '\n' || p[1] == '\0')
			n++;
	return n;
}

/* ---- processes ---- */

static int open_out(const char *path)
{
	return open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

pid_t lw_spawn(const char *const *argv, const char *out_path, const char *err_path)
{
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int out = open_out(out_path);
	int err = open_out(err_path);
	pid_t parent = getpid();
	pid_t pid = in < 0 || out < 0 || err < 0 ? -1 : fork();
	if (pid == 0) {
		/* A test that fails or crashes must not leave its daemon behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		dup2(in, STDIN_FILENO);
		dup2(out, STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		/* Criterion's own pipes stay out of the child. */
		close_range(3, ~0u, 0);
		signal(SIGPIPE, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	if (pid < 0)
		fprintf(stderr, "harness: cannot start %s: %s\n", argv[0], strerror(errno));
	return pid;
}

int lw_wait_timeout(pid_t pid, int timeout_ms)
{
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		int status;
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (lw_now_ms() >= end)
			return -1;
		sleep_ms(5);
	}
}

char *lw_run_joined(const char *const *argv, int timeout_ms)
{
	char *out = NULL, *err = NULL;
	int st = lw_run(argv, timeout_ms, &out, &err);
	size_t a = out ? strlen(out) : 0, b = err ? strlen(err) : 0;
	char *all = st == -1 ? NULL : malloc(a + b + 1);
	if (all) {
		memcpy(all, out ? out : "", a);
		memcpy(all + a, err ? err : "", b + 1);
	}
	free(out);
	free(err);
	return all;
}

void lw_stop_child(pid_t pid, int timeout_ms)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	if (lw_wait_timeout(pid, timeout_ms) == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

pid_t lw_coap_server_start(const char *bin, const char *const *extra, int *port)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		int p = lw_free_udp_port();
		if (p <= 0)
			return -1;
		char port_s[16];
		snprintf(port_s, sizeof(port_s), "%d", p);
		const char *argv[24] = {bin, "-A", "127.0.0.1", "-p", port_s};
		size_t n = 5;
		for (size_t i = 0; extra && extra[i]; i++) {
			if (n + 1 >= sizeof(argv) / sizeof(argv[0])) {
				fprintf(stderr, "harness: too many coap-server arguments\n");
				return -1;
			}
			argv[n++] = extra[i];
		}
		argv[n] = NULL;
		pid_t pid = lw_spawn(argv, NULL, NULL);
		if (pid <= 0)
			return -1;
		int exited = 0;
		uint64_t end = lw_now_ms() + 5000;
		while (lw_now_ms() < end) {
			if (waitpid(pid, NULL, WNOHANG) == pid) {
				exited = 1; /* it could not bind: try another port */
				break;
			}
			if (lw_coap_ping(p, 100) == 0) {
				*port = p;
				return pid;
			}
		}
		if (!exited) {
			fprintf(stderr, "harness: coap-server does not answer pings on port %d\n", p);
			lw_stop_child(pid, 2000);
			return -1;
		}
	}
	fprintf(stderr, "harness: coap-server would not start\n");
	return -1;
}

int lw_run(const char *const *argv, int timeout_ms, char **out, char **err)
{
	char dir[] = "/tmp/lwm2md-run-XXXXXX";
	if (!mkdtemp(dir))
		return -1;
	char opath[64], epath[64];
	snprintf(opath, sizeof(opath), "%s/out", dir);
	snprintf(epath, sizeof(epath), "%s/err", dir);
	int rc = -1;
	pid_t pid = lw_spawn(argv, opath, epath);
	if (pid > 0) {
		int status = lw_wait_timeout(pid, timeout_ms);
		if (status == -1) {
			fprintf(stderr, "harness: %s still runs after %d ms: killed\n", argv[0],
			        timeout_ms);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		} else if (WIFEXITED(status)) {
			rc = WEXITSTATUS(status);
		} else if (WIFSIGNALED(status)) {
			rc = 128 + WTERMSIG(status);
		}
	}
	if (out)
		*out = lw_slurp(opath);
	if (err)
		*err = lw_slurp(epath);
	unlink(opath);
	unlink(epath);
	rmdir(dir);
	return rc;
}

/* ---- network ---- */

static void loopback(struct sockaddr_in *sin, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

int lw_free_udp_port(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	loopback(&sin, 0);
	int port = -1;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

int lw_udp_connect(int port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sin;
	loopback(&sin, port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

ssize_t lw_udp_recv(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		uint64_t now = lw_now_ms();
		if (now >= end)
			return -1;
		struct pollfd p = {fd, POLLIN, 0};
		int n = poll(&p, 1, (int)(end - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		ssize_t r = recv(fd, buf, cap, MSG_DONTWAIT);
		/* ECONNREFUSED: an ICMP from before the peer was up; keep waiting. */
		if (r < 0 && (errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED))
			continue;
		return r;
	}
}

int lw_coap_ping(int port, int timeout_ms)
{
	int fd = lw_udp_connect(port);
	if (fd < 0)
		return -1;
	static uint16_t mid_seq;
	uint16_t mid = (uint16_t)(getpid() * 131 + lw_now_ms() + mid_seq++);
	uint8_t ping[4] = {0x40, 0x00, (uint8_t)(mid >> 8), (uint8_t)mid};
	int rc = -1;
	if (send(fd, ping, sizeof(ping), 0) == (ssize_t)sizeof(ping)) {
		uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
		uint8_t buf[64];
		ssize_t n;
		while (rc != 0 && lw_now_ms() < end &&
		       (n = lw_udp_recv(fd, buf, sizeof(buf), (int)(end - lw_now_ms()))) >= 0) {
			/* RST (type 3), no token, code 0.00, our message id. */
			if (n == 4 && buf[0] == 0x70 && buf[1] == 0 && buf[2] == ping[2] &&
			    buf[3] == ping[3])
				rc = 0;
		}
	}
	close(fd);
	return rc;
}

/* ---- the daemon ---- */

int lwd_init(struct lwd *d)
{
	memset(d, 0, sizeof(*d));
	const char *tmp = getenv("TMPDIR");
	snprintf(d->dir, sizeof(d->dir), "%s/lwm2md-integ-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(d->dir)) {
		fprintf(stderr, "harness: mkdtemp %s: %s\n", d->dir, strerror(errno));
		d->dir[0] = '\0';
		return -1;
	}
	snprintf(d->conf, sizeof(d->conf), "%s/lwm2md.ini", d->dir);
	snprintf(d->state, sizeof(d->state), "%s/state", d->dir);
	snprintf(d->out, sizeof(d->out), "%s/stdout.log", d->dir);
	snprintf(d->err, sizeof(d->err), "%s/stderr.log", d->dir);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void lwd_cleanup(struct lwd *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
	}
	if (d->dir[0] && !getenv("LW_KEEP_TMP"))
		nftw(d->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	d->dir[0] = '\0';
}

int lwd_write_config(struct lwd *d, int port, const char *extra)
{
	char text[8192];
	/* Tests read the events example-eventlog writes to state_dir/events.jsonl;
	 * a config that lists its plugins has no place for its section. */
	int eventlog = !extra || !strstr(extra, "plugins");
	snprintf(text, sizeof(text),
	         "; written by the integration harness\n"
	         "[server]\n"
	         "state_dir = %s\n"
	         "plugin_dir = %s/stage/plugins\n"
	         "[coap]\n"
	         "bind = 127.0.0.1\n"
	         "port = %d\n"
	         "[http]\n"
	         "port = 0\n"
	         "%s"
	         "%s",
	         d->state, lw_builddir(), port, eventlog ? "[example-eventlog]\n" : "",
	         extra ? extra : "");
	d->port = port;
	return lw_write_file(d->conf, text);
}

int lwd_start(struct lwd *d, const struct lwd_opts *o)
{
	static const struct lwd_opts none;
	if (!o)
		o = &none;
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2md");
	const char *argv[64];
	size_t n = 0;
	for (const char *const *w = o->wrapper; w && *w && n < 40; w++)
		argv[n++] = *w;
	argv[n++] = bin;
	argv[n++] = "-f";
	argv[n++] = "-c";
	argv[n++] = d->conf;
	for (const char *const *a = o->args; a && *a && n < 62; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	int ready_ms = o->ready_ms > 0 ? o->ready_ms : 10000;

	for (int attempt = 0; attempt < 5; attempt++) {
		int port = lw_free_udp_port();
		if (port < 0 || lwd_write_config(d, port, o->extra_conf) != 0)
			return -1;
		d->pid = lw_spawn(argv, d->out, d->err);
		if (d->pid < 0) {
			d->pid = 0;
			return -1;
		}
		uint64_t end = lw_now_ms() + (uint64_t)ready_ms;
		int status = -1;
		while (lw_now_ms() < end) {
			if (waitpid(d->pid, &status, WNOHANG) == d->pid)
				break;
			status = -1;
			if (lw_coap_ping(port, 100) == 0)
				return 0;
		}
		if (status == -1) {
			fprintf(stderr, "harness: lwm2md did not answer on port %d within %d ms\n",
			        port, ready_ms);
			return -1; /* still running: lwd_cleanup kills it */
		}
		d->pid = 0;
		char *log = lw_slurp(d->err);
		/* Someone took the port between our probe and its bind: try another. */
		int taken = log && strstr(log, "cannot bind") && strstr(log, "in use");
		if (!taken)
			fprintf(stderr, "harness: lwm2md exited (status 0x%x) before it was ready:\n%s\n",
			        status, log ? log : "");
		free(log);
		if (!taken)
			return -1;
	}
	return -1;
}

int lwd_signal_wait(struct lwd *d, int sig, int timeout_ms)
{
	if (d->pid <= 0)
		return -1;
	kill(d->pid, sig);
	int status = lw_wait_timeout(d->pid, timeout_ms);
	if (status == -1) {
		fprintf(stderr, "harness: lwm2md still runs %d ms after signal %d: killed\n",
		        timeout_ms, sig);
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
	}
	d->pid = 0;
	return status;
}

int lwd_stop(struct lwd *d)
{
	return lwd_signal_wait(d, SIGTERM, 10000);
}
