/*
 * tests/integration/daemon.h: the harness of the integration tests. It runs
 * the real lwm2md (and other programs: coap-client, coap-server) as child
 * processes in a private temporary folder, on a free loopback port, waits
 * until the daemon answers a CoAP ping, captures what it writes, and stops it
 * with SIGTERM so that the tests can check its exit status.
 *
 * Nothing here uses Criterion: functions return a status and print why they
 * failed on stderr, and the tests assert on what they return.
 */
#ifndef LW_TEST_INTEGRATION_DAEMON_H
#define LW_TEST_INTEGRATION_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One daemon under test and the folder it lives in. */
struct lwd {
	char dir[256];    /* private temporary folder, removed by lwd_cleanup */
	char conf[300];   /* dir/lwm2md.ini */
	char state[300];  /* dir/state: [server] state_dir */
	char out[300];    /* dir/stdout.log */
	char err[300];    /* dir/stderr.log: the daemon's stderr */
	int port;         /* its CoAP UDP port */
	pid_t pid;        /* 0 when not running */
};

/* How to start it; every field may be left zero. */
struct lwd_opts {
	const char *extra_conf;     /* appended to the generated config */
	const char *const *wrapper; /* e.g. {"valgrind", "--leak-check=full", NULL} */
	const char *const *args;    /* more arguments after "-f -c CONF" */
	int ready_ms;               /* how long start-up may take (default 10000) */
	int no_foreground;          /* leave out -f */
};

/* Makes the temporary folder and the paths. 0 or -1. */
int lwd_init(struct lwd *d);
/* Kills the daemon if it still runs (SIGKILL) and removes the folder. */
void lwd_cleanup(struct lwd *d);
/* The daemon's build tree (LW_BUILDDIR, "." when unset) and a path in it. */
const char *lw_builddir(void);
void lw_build_path(char *buf, size_t len, const char *rel);

/*
 * Writes d->conf for port (state_dir, plugin_dir of the build tree, CoAP on
 * 127.0.0.1:port, HTTP off) followed by extra. 0 or -1.
 */
int lwd_write_config(struct lwd *d, int port, const char *extra);
/*
 * Picks a free port, writes the config and starts the daemon; returns 0 once
 * it answers a CoAP ping. When the port turned out to be taken meanwhile it
 * tries another one. -1 when it did not come up (its stderr says why).
 */
int lwd_start(struct lwd *d, const struct lwd_opts *o);
/*
 * Sends sig and waits up to timeout_ms for the daemon to end. Returns its wait
 * status, or -1 if it had to be killed.
 */
int lwd_signal_wait(struct lwd *d, int sig, int timeout_ms);
/* SIGTERM and wait (10 s): the wait status, or -1. */
int lwd_stop(struct lwd *d);

/* ---- processes ---- */

/*
 * Starts argv with stdin from /dev/null and stdout/stderr into the given files
 * (NULL: /dev/null); the child dies with the test (PR_SET_PDEATHSIG).
 * Returns the pid or -1.
 */
pid_t lw_spawn(const char *const *argv, const char *out_path, const char *err_path);
/* Waits up to timeout_ms for pid; its wait status, or -1 (it then still runs). */
int lw_wait_timeout(pid_t pid, int timeout_ms);
/*
 * Runs argv to completion (killed after timeout_ms) with its output captured.
 * Returns the exit status, 128 + signal, or -1 on timeout; *out and *err (if
 * not NULL) receive the output as malloc'd strings.
 */
int lw_run(const char *const *argv, int timeout_ms, char **out, char **err);
/* lw_run, and its stdout then its stderr in one malloc'd string; NULL when
 * it did not end in time. */
char *lw_run_joined(const char *const *argv, int timeout_ms);
/* SIGTERM to pid, SIGKILL when it has not ended after timeout_ms; reaps it. */
void lw_stop_child(pid_t pid, int timeout_ms);
/*
 * Starts libcoap's coap-server bin on a free 127.0.0.1 port, with extra
 * arguments (NULL-terminated, may be NULL) after "-A 127.0.0.1 -p PORT", and
 * waits until it answers a CoAP ping; a server that exits at once (its port
 * was taken meanwhile) is tried again on another port. Returns its pid and
 * puts the port in *port, or -1 (the reason on stderr).
 */
pid_t lw_coap_server_start(const char *bin, const char *const *extra, int *port);

/* ---- files ---- */

/* The whole file as a malloc'd NUL-terminated string, or NULL. */
char *lw_slurp(const char *path);
/* Writes text to path. 0 or -1. */
int lw_write_file(const char *path, const char *text);
/* Waits until path contains needle. 0, or -1 after timeout_ms. */
int lw_wait_for_text(const char *path, const char *needle, int timeout_ms);
/* Number of lines (newline-terminated or not) in s. */
int lw_count_lines(const char *s);

/* ---- network ---- */

/* A UDP port on 127.0.0.1 that was free a moment ago, or -1. */
int lw_free_udp_port(void);
/* A UDP socket connected to 127.0.0.1:port, or -1. */
int lw_udp_connect(int port);
/* Receives one datagram within timeout_ms: its length, or -1. */
ssize_t lw_udp_recv(int fd, uint8_t *buf, size_t cap, int timeout_ms);
/* CoAP ping (empty CON) to 127.0.0.1:port: 0 when the RST comes back in time. */
int lw_coap_ping(int port, int timeout_ms);

/* Monotonic milliseconds. */
uint64_t lw_now_ms(void);

#endif
