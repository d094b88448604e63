/*
 * coap/udp.h: CoAP over plain UDP (RFC 7252). One socket per listener, drained
 * with recvmmsg in batches; the answers produced while a batch is processed go
 * out together with one sendmmsg. Outside a batch (timers, operator requests)
 * datagrams are sent at once.
 */
#ifndef LW_COAP_UDP_H
#define LW_COAP_UDP_H

#include <stddef.h>
#include <sys/socket.h>

#include "coap/engine.h"

#define LW_UDP_BATCH 64
#define LW_UDP_MAX_DATAGRAM 4096

struct event_base;
struct event;

struct lw_coap_udp {
	struct lw_coap_endpoint ep; /* first: the engine hands this back to send */
	int fd;
	struct event *ev;
	int batching; /* holds: sends wait in tx for one sendmmsg */
	size_t n_tx;
	struct lw_coap_addr local;
	unsigned long long truncated, send_errors, batches;
	struct mmsghdr rx[LW_UDP_BATCH];
	struct iovec rx_iov[LW_UDP_BATCH];
	struct sockaddr_storage rx_addr[LW_UDP_BATCH];
	struct mmsghdr tx[LW_UDP_BATCH];
	struct iovec tx_iov[LW_UDP_BATCH];
	struct lw_coap_addr tx_addr[LW_UDP_BATCH];
	uint8_t rx_buf[LW_UDP_BATCH][LW_UDP_MAX_DATAGRAM];
	uint8_t tx_buf[LW_UDP_BATCH][LW_UDP_MAX_DATAGRAM];
};

/*
 * Binds bind:port and starts reading into e. rcvbuf 0 keeps the kernel's
 * default. Returns 0, or LW_EIO / LW_EINVAL with the reason in err.
 */
int lw_coap_udp_open(struct lw_coap_udp *u, struct lw_coap_engine *e, struct event_base *base,
                     const char *bind, int port, int rcvbuf, char *err, size_t errlen);
void lw_coap_udp_close(struct lw_coap_udp *u);
/* Stops (1) or resumes (0) reading: datagrams wait in the socket's buffer,
 * e.g. while the registrations are restored at start. 0 or LW_E*. */
int lw_coap_udp_pause(struct lw_coap_udp *u, int paused);
/* The port actually bound (useful when asked for port 0). */
int lw_coap_udp_port(const struct lw_coap_udp *u);

/* Sends wait for one sendmmsg until as many releases as holds (the loop's
 * batcher, loop.h). A hold in on_readable itself covers a receive batch. */
void lw_coap_udp_hold(void *udp);
void lw_coap_udp_release(void *udp);

#endif
