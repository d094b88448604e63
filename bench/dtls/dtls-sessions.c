/*
 * bench/dtls/dtls-sessions.c: what a DTLS session costs the daemon. Opens N
 * PSK sessions to a running lwm2md from N source ports (GnuTLS client, the
 * LwM2M suite TLS_PSK_WITH_AES_128_CCM_8 unless -p says otherwise), leaves
 * them established without close_notify, and reads the daemon's VmRSS from
 * /proc before and after: the difference over N is the memory per live
 * session (GnuTLS state, our session record, table and timer share).
 *
 *   dtls-sessions -P DAEMON_PID -p PORT -i IDENTITY -k HEXKEY [-n N] [-j JOBS]
 *                 [-c PRIORITY]
 *
 * GnuTLS's blocking DTLS client pauses about 50 ms between flights, so the
 * handshakes run in JOBS processes at once (default 64).
 *
 * The identity must have a PSK credential (PUT /api/v1/security/{ep}).
 * Prints one line: sessions, handshakes per second, RSS before/after, and
 * bytes per session.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/dtls.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long rss_kib(int pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long kib = -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = atol(line + 6);
	fclose(f);
	return kib;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One handshake from a fresh socket; the session is then dropped on our
 * side only (no close_notify), so the daemon keeps it until idle. The
 * socket stays open until the process ends: a closed one's port could be
 * handed to the next socket, and a ClientHello from a known address
 * replaces that address's session (a rebooted device). */
static int one(int port, gnutls_psk_client_credentials_t cred, const char *prio)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
		close(fd);
		return -1;
	}
	gnutls_session_t s;
	gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_DATAGRAM);
	gnutls_priority_set_direct(s, prio, NULL);
	gnutls_credentials_set(s, GNUTLS_CRD_PSK, cred);
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, 5000);
	int rc;
	do
		rc = gnutls_handshake(s);
	while (rc < 0 && !gnutls_error_is_fatal(rc));
	gnutls_deinit(s);
	if (rc < 0)
		close(fd);
	return rc < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	int pid = 0, port = 5684, n = 1000, jobs = 64, opt;
	const char *id = NULL, *hex = NULL;
	const char *prio = "NONE:+VERS-DTLS1.2:+PSK:+AES-128-CCM-8:+AEAD:+SIGN-ALL:+GROUP-ALL:"
	                   "+COMP-NULL";
	while ((opt = getopt(argc, argv, "P:p:i:k:n:c:j:")) != -1) {
		switch (opt) {
		case 'P': pid = atoi(optarg); break;
		case 'p': port = atoi(optarg); break;
		case 'i': id = optarg; break;
		case 'k': hex = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'c': prio = optarg; break;
		case 'j': jobs = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!pid || !id || !hex || n <= 0 || jobs <= 0 || strlen(hex) % 2 || strlen(hex) > 128) {
		fprintf(stderr, "usage: dtls-sessions -P PID -p PORT -i ID -k HEXKEY [-n N] [-c PRIO]\n");
		return 2;
	}
	unsigned char key[64];
	size_t klen = strlen(hex) / 2;
	for (size_t i = 0; i < klen; i++) {
		int h = hexval(hex[2 * i]), l = hexval(hex[2 * i + 1]);
		if (h < 0 || l < 0)
			return 2;
		key[i] = (unsigned char)(h << 4 | l);
	}
	gnutls_global_init();
	gnutls_psk_client_credentials_t cred;
	gnutls_psk_allocate_client_credentials(&cred);
	gnutls_datum_t k = {key, (unsigned)klen};
	gnutls_psk_set_client_credentials(cred, id, &k, GNUTLS_PSK_KEY_RAW);

	long before = rss_kib(pid);
	double t0 = now_s();
	int fds[2];
	if (pipe(fds) != 0)
		return 1;
	for (int j = 0; j < jobs; j++) {
		if (fork() != 0)
			continue;
		int mine = n / jobs + (j < n % jobs), done = 0;
		for (int i = 0; i < mine; i++)
			done += one(port, cred, prio) == 0;
		if (write(fds[1], &done, sizeof(done)) != sizeof(done))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	int ok = 0, part;
	while (read(fds[0], &part, sizeof(part)) == sizeof(part))
		ok += part;
	while (wait(NULL) > 0)
		;
	double took = now_s() - t0;
	sleep(1);
	long after = rss_kib(pid);
	printf("sessions %d/%d, %.0f handshakes/s, daemon RSS %ld -> %ld KiB, %.0f bytes per "
	       "session\n",
	       ok, n, ok / took, before, after,
	       ok ? (double)(after - before) * 1024.0 / ok : 0.0);
	gnutls_psk_free_client_credentials(cred);
	gnutls_global_deinit();
	return ok == n ? 0 : 1;
}
