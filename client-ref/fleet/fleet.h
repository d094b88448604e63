/*
 * client-ref/fleet/fleet.h: lwm2m-fleet, many simulated LwM2M devices in
 * one process (or a few shard processes), built to load the server rather
 * than itself.
 *
 * The split: fleet.c parses options, forks the shards and prints what they
 * report; shard.c runs one shard (one epoll loop over its devices' sockets,
 * one timer heap); device.c is a device's registration life (Register,
 * Update, De-register, retransmission, queue-mode sleep); answer.c answers
 * the server's requests from one object tree shared by every device;
 * observe.c holds observations, notifications and Send; stats.c the
 * counters, the Register round-trip histogram and the summary.
 *
 * tls.c is the DTLS layer (GnuTLS, one non-blocking session per device over
 * its own socket, driven by the epoll loop and the timer heap) and
 * bootstrap.c the client side of the Bootstrap interface.
 *
 * Memory: a device is a struct fleet_dev of 144 bytes (x86-64) plus its
 * kernel socket; what only some devices need (observations, attributes, the last
 * response kept for duplicates) hangs off dev->ext and is allocated when
 * first needed; DTLS and bootstrap state hang off dev->sec, allocated only
 * in secure or bootstrapping fleets.
 */
#ifndef LW_FLEET_H
#define LW_FLEET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "lwclient.h"
#include "timer.h"

/* ---- configuration ---- */

/* LwM2M Security Mode (/0/x/2) numbers, as the bootstrap server writes them. */
enum fleet_sec_mode {
	SEC_PSK = 0,
	SEC_RPK = 1,
	SEC_X509 = 2,
	SEC_NOSEC = 3,
};

#define FLEET_PSK_MAX 64

struct fleet_cfg {
	const char *uri;
	struct sockaddr_in server;
	bool secure; /* coaps:// */
	uint8_t mode; /* enum fleet_sec_mode of a coaps:// server (-u or --bootstrap) */
	uint8_t psk_key[FLEET_PSK_MAX]; /* --psk-key: every device's key */
	size_t psk_key_len;
	const char *psk_seed; /* --psk-seed: per-device keys (fleet_psk_key) */
	const char *key_dir;  /* --rpk DIR / --cert DIR: DIR/ENDPOINT.key (and .crt) */
	const char *priority; /* --priority: GnuTLS priority string */
	const char *bs_uri;   /* --bootstrap: start at this bootstrap server */
	struct sockaddr_in bs_server;
	bool bs_secure;
	bool handshake_only; /* --handshake-only: DTLS handshake, no LwM2M */
	bool print_creds;    /* --print-credentials */
	unsigned count;
	double rate;            /* registrations per second, the whole fleet */
	double notify_interval; /* seconds */
	int lifetime;
	const struct lw_codec *fmt;
	double queue_share; /* 0..1 */
	const char *prefix;
	const char *version;
	int vnum; /* 10, 11, 12 */
	double duration; /* 0: until a signal */
	bool no_deregister;
	bool con_notify;
	double send_interval;
	double progress_interval;
	double awake_s; /* queue mode: listening time after an exchange */
	double sleep_s; /* queue mode: time asleep before the waking Update */
	const char *json;
	unsigned shard_size;
	int verbose;
};

/* ---- counters ---- */

/* Register round trip in 0.1 ms buckets up to 1 s, then 10 ms up to 60 s. */
#define FLEET_HIST_FINE 10000
#define FLEET_HIST_N (FLEET_HIST_FINE + 5900)

struct fleet_counters {
	uint64_t registered;  /* devices registered now (a gauge) */
	uint64_t registrations; /* Register answered 2.01, in total */
	uint64_t updates;
	uint64_t requests; /* server requests answered */
	uint64_t notifications;
	uint64_t sends;
	uint64_t errors;
	uint64_t retransmits;
	uint64_t deregistered;
	uint64_t rx, tx; /* datagrams */
	uint64_t rtt_n;
	double rtt_sum_ms;
	uint64_t done; /* shards finished */
	uint64_t rss_kb; /* peak RSS of the shard processes */
	double last_reg_s; /* when the last Register was answered */
	uint64_t handshakes;     /* DTLS handshakes finished */
	uint64_t hs_failures;    /* DTLS handshakes failed or timed out */
	uint64_t bootstraps;     /* Bootstrap-Finish accepted */
	double last_hs_s;        /* when the last handshake finished */
};

struct fleet_stats {
	struct fleet_counters c;
	uint32_t hist[FLEET_HIST_N];
};

void fleet_hist_add(struct fleet_stats *s, double ms);
/* The q-quantile (0..1) of the histogram in ms, 0 when empty. */
double fleet_hist_quantile(const struct fleet_stats *s, double q);
void fleet_stats_merge(struct fleet_stats *into, const struct fleet_stats *from);
/* One progress line on stderr; prev: the counters of the previous line. */
void fleet_print_progress(const struct fleet_cfg *cfg, double t, const struct fleet_counters *c,
                          const struct fleet_counters *prev, double dt);
void fleet_print_summary(const struct fleet_cfg *cfg, double elapsed, double reg_elapsed,
                         const struct fleet_stats *s, double rss_mb);
int fleet_write_json(const struct fleet_cfg *cfg, const char *path, double elapsed,
                     double reg_elapsed, const struct fleet_stats *s, double rss_mb);

/* ---- one device ---- */

enum fleet_state {
	DEV_IDLE = 0,   /* not started yet */
	DEV_REGISTERING,
	DEV_REGISTERED,
	DEV_UPDATING,
	DEV_DEREGISTERING,
	DEV_DONE,
	DEV_BACKOFF, /* registration failed: trying again later */
	DEV_HANDSHAKE, /* DTLS handshake in progress (d->timer: its retransmission) */
	DEV_BOOTSTRAP, /* Bootstrap-Request sent or accepted, until Finish */
};

enum fleet_req {
	REQ_NONE = 0,
	REQ_REGISTER,
	REQ_UPDATE,
	REQ_DEREGISTER,
	REQ_BOOTSTRAP,
};

#define FLEET_MAX_OBS 4
#define FLEET_LOC_MAX 24
#define FLEET_MAX_ATTRS 4

struct fleet_obs {
	lw_path path;
	uint8_t used, token_len, con;
	uint8_t token[8];
	uint16_t cf;
	uint16_t last_mid; /* of the last notification, for an RST */
	uint32_t seq;
	uint64_t last_ms; /* when the last notification went */
};

struct fleet_attrs {
	lw_path path;
	uint8_t used;
	double pmin, pmax; /* NAN: not set */
};

/* What only some devices need: allocated at the first observation,
 * attribute write or answered request, freed when the device ends. */
struct fleet_ext {
	struct fleet_obs obs[FLEET_MAX_OBS];
	struct fleet_attrs attrs[FLEET_MAX_ATTRS];
	/* The last answer, sent again for a duplicate of its request. */
	uint16_t last_mid;
	uint16_t last_len;
	uint8_t *last_rsp;
};

/* A server account: the -u one (never stored) or the one bootstrap wrote. */
struct fleet_acct {
	struct sockaddr_in addr;
	uint8_t mode; /* enum fleet_sec_mode */
	uint8_t secure;
	uint16_t ssid;
	uint32_t lifetime;
	uint8_t *ident; /* PSK identity, own raw public key or certificate (DER) */
	uint8_t *secret; /* PSK key or private key (DER) */
	uint16_t ident_len, secret_len;
};

/* What a bootstrap session writes, until Finish says whether it is usable. */
struct fleet_bs_stage {
	struct fleet_acct sec;  /* the non-bootstrap Security instance */
	char uri[128];
	int32_t sec_iid;        /* -1: none written */
	int32_t srv_ssid;       /* of the Server instance, -1: none */
	uint32_t srv_lifetime;
};

/* DTLS and bootstrap state of one device (dev->sec): only in fleets that
 * use coaps:// or --bootstrap. */
struct fleet_sec {
	gnutls_session_t ses;   /* NULL: no session now */
	const uint8_t *rx;      /* the datagram being fed to GnuTLS, NULL: none */
	size_t rx_len;
	gnutls_pcert_st *pcert; /* RPK / X.509: this device's, while a session lives */
	gnutls_privkey_t pkey;
	struct fleet_acct *acct;       /* the DM account bootstrap gave; NULL: -u */
	struct fleet_bs_stage *stage;  /* during a bootstrap session */
	uint8_t bootstrapped;   /* talking to the DM server (not the bootstrap one) */
	uint8_t established;    /* the handshake finished */
};

struct fleet_dev {
	struct lw_timer timer;  /* registration life: retransmit, update, wake */
	struct lw_timer ntimer; /* notifications and Send */
	struct fleet_ext *ext;
	struct fleet_sec *sec;
	int fd;
	uint32_t idx; /* the endpoint number, 1-based */
	uint32_t lifetime;
	uint32_t sent_ms; /* when the outstanding request first went (shard clock) */
	uint32_t awake_until; /* queue mode: shard clock ms */
	uint32_t next_send_ms; /* shard clock ms of the next Send, 0: unset */
	uint16_t mid;      /* the next message id */
	uint16_t pend_mid; /* of the outstanding CON request */
	uint16_t mask3303; /* which 3303 instances exist (bit = iid) */
	uint8_t state;     /* enum fleet_state */
	uint8_t req;       /* enum fleet_req outstanding */
	uint8_t tries;
	uint8_t queue : 1, sleeping : 1, acked : 1, update_asked : 1, lt_changed : 1;
	uint8_t tok_gen; /* part of the request token: a new one per request */
	char loc[FLEET_LOC_MAX]; /* "rd/ID": the registration's Location-Path */
};

/* ---- one shard ---- */

struct fleet_shard {
	const struct fleet_cfg *cfg;
	uint32_t first, n; /* endpoints first .. first + n - 1 */
	double rate;       /* this shard's share */
	struct fleet_dev *devs;
	struct lw_timers timers;
	uint64_t t0_ms; /* monotonic ms at start: the shard clock's zero */
	int epfd;
	int report_fd; /* -1: in-process (print directly) */
	uint32_t started; /* devices whose Register went out */
	uint32_t active;  /* devices not DONE */
	bool stopping;
	uint64_t stop_deadline;
	struct fleet_stats stats;
	const lw_model *model;
	struct lwc_objects *tree; /* shared by every device */
	uint32_t tree_dev;   /* the device the tree is dressed as, 0: none */
	uint16_t tree_mask;  /* its 3303 instances */
};

/* The one shard of this process (timer callbacks find it here). */
extern struct fleet_shard *fleet_self;

/* Shard clock: ms since the shard started. */
uint64_t fleet_now(struct fleet_shard *s);
int fleet_shard_run(struct fleet_shard *s);
/* Sends a datagram from a device (counted). */
void fleet_send(struct fleet_shard *s, struct fleet_dev *d, const uint8_t *buf, size_t len);
void fleet_endpoint(const struct fleet_cfg *cfg, uint32_t idx, char *out, size_t cap);
uint32_t fleet_seed(const struct fleet_cfg *cfg, uint32_t idx);
/* A small pseudo-random number (xorshift over a shard-wide state). */
uint32_t fleet_rand(void);

/* device.c */
void fleet_dev_start(struct fleet_shard *s, struct fleet_dev *d);
void fleet_dev_stop(struct fleet_shard *s, struct fleet_dev *d);
/* A datagram arrived for d. */
void fleet_dev_input(struct fleet_shard *s, struct fleet_dev *d, const uint8_t *buf, size_t len);
/* Any exchange: a queue-mode device stays awake a while longer. */
void fleet_dev_touch(struct fleet_shard *s, struct fleet_dev *d);
void fleet_dev_free(struct fleet_dev *d);
/* An Update as soon as possible (Execute /1/0/8, a written lifetime). */
void fleet_dev_update_soon(struct fleet_shard *s, struct fleet_dev *d);
struct fleet_ext *fleet_ext(struct fleet_dev *d);

/* The request went out over a new connection (socket reconnected, DTLS
 * handshake done): Bootstrap-Request, Register, or the end of a
 * handshake-only device. */
void fleet_dev_connected(struct fleet_shard *s, struct fleet_dev *d);
/* (Re)connects d to the server it talks to now (bootstrap or DM) and starts
 * its handshake or its first request. */
void fleet_dev_connect(struct fleet_shard *s, struct fleet_dev *d);
/* A failed attempt (handshake, bootstrap): try again 5 to 15 s later. */
void fleet_dev_backoff(struct fleet_shard *s, struct fleet_dev *d);
void fleet_dev_done(struct fleet_shard *s, struct fleet_dev *d);

/* The server the device talks to now: the bootstrap server until bootstrap
 * finished, then the account it was given (or -u). */
const struct sockaddr_in *fleet_dev_peer(const struct fleet_shard *s, const struct fleet_dev *d,
                                         bool *secure, uint8_t *mode);
/* "coap[s]://HOST:PORT" (IPv4) into addr. 0 or -1. */
int fleet_parse_uri(const char *uri, struct sockaddr_in *addr, bool *secure);

struct lw_coap_msg;

/* tls.c */
/* Once per process: credentials and priorities for the configured mode. */
int fleet_tls_init(const struct fleet_cfg *cfg);
void fleet_tls_deinit(void);
/* The key of a device derived from --psk-seed, or --psk-key. Its length. */
size_t fleet_psk_key(const struct fleet_cfg *cfg, uint32_t idx, uint8_t *out);
/* Starts a handshake over d's connected socket (state DEV_HANDSHAKE). */
void fleet_tls_start(struct fleet_shard *s, struct fleet_dev *d);
/* Timer or datagram: drives the handshake on. */
void fleet_tls_step(struct fleet_shard *s, struct fleet_dev *d);
/* A datagram from d's socket while it has a session. */
void fleet_tls_input(struct fleet_shard *s, struct fleet_dev *d, const uint8_t *buf, size_t len);
/* A CoAP message out over the session. */
void fleet_tls_send(struct fleet_shard *s, struct fleet_dev *d, const uint8_t *buf, size_t len);
/* Ends d's session (close_notify first when bye and established). */
void fleet_tls_end(struct fleet_dev *d, bool bye);
/* What to PUT to /api/v1/security/{ep} for device idx, as JSON. 0 or -1. */
int fleet_credential_json(const struct fleet_cfg *cfg, uint32_t idx, char *out, size_t cap);

/* bootstrap.c */
void fleet_bs_request_sent(struct fleet_shard *s, struct fleet_dev *d);
/* A request of the bootstrap server (Delete, Discover, Write, Finish). */
void fleet_bs_answer(struct fleet_shard *s, struct fleet_dev *d, const struct lw_coap_msg *m);
void fleet_sec_free(struct fleet_dev *d);
struct fleet_sec *fleet_sec(struct fleet_dev *d);

/* answer.c: a request from the server, answered (ACK or NON). */
void fleet_answer(struct fleet_shard *s, struct fleet_dev *d, const struct lw_coap_msg *m);
/* An answer to m (ACK for a CON, kept for its duplicates; else NON). */
void fleet_reply(struct fleet_shard *s, struct fleet_dev *d, const struct lw_coap_msg *m,
                 uint8_t code, uint16_t cf, const void *payload, size_t len);
/* Dresses the shared tree as device d at time now (values, 3303 instances). */
void fleet_tree_dress(struct fleet_shard *s, struct fleet_dev *d);
/* The simulated temperature of one device's sensor at time t (seconds). */
double fleet_temperature(uint32_t seed, uint16_t iid, double t);
void fleet_scratch_free(void);
/* The Register payload (link format), the same for every device. */
size_t fleet_register_links(struct fleet_shard *s, struct fleet_dev *d, char *out, size_t cap);

/* observe.c */
bool fleet_obs_add(struct fleet_shard *s, struct fleet_dev *d, const struct lw_coap_msg *m,
                   const lw_path *p, uint16_t cf);
void fleet_obs_cancel_path(struct fleet_dev *d, const lw_path *p);
/* An RST (or Observe=1) for a token ends that observation. */
void fleet_obs_cancel_token(struct fleet_dev *d, const uint8_t *tok, size_t len);
/* An RST to a CON notification. */
void fleet_obs_cancel_mid(struct fleet_dev *d, uint16_t mid);
void fleet_obs_timer(struct lw_timer *t, void *arg);
/* (Re)arms the notification/Send timer after a change. */
void fleet_obs_arm(struct fleet_shard *s, struct fleet_dev *d);
int fleet_attrs_write(struct fleet_dev *d, const lw_path *p, const struct lw_coap_msg *m);
/* ";pmin=..;pmax=.." of a path into b. */
void fleet_attrs_link(struct fleet_dev *d, const lw_path *p, lw_buf *b);

#endif
