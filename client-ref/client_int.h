/*
 * client-ref/client_int.h: the inside of the reference client, shared by
 * its networking files: client.c (registration, the server's requests,
 * observations), security.c (accounts and DTLS sessions) and bootstrap.c
 * (the Bootstrap interface). Not part of the library's interface
 * (lwclient.h).
 */
#ifndef LW_CLIENT_REF_CLIENT_INT_H
#define LW_CLIENT_REF_CLIENT_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

#include "lwclient.h"

/* ---- state ---- */

/* The life of the client: bootstrap (BS_*) when it has no usable DM
 * account, then registration with the DM server. */
enum reg_state {
	REG_NONE,      /* to (re)register at next_retry */
	REG_PENDING,   /* Register sent */
	REGISTERED,
	DEREG_PENDING,
	DONE,
	BS_NONE,       /* to send the Bootstrap-Request at next_retry */
	BS_PENDING,    /* Bootstrap-Request sent */
	BS_WAIT,       /* accepted: the bootstrap server writes, then Finish */
};
enum req_kind { REQ_REGISTER = 1, REQ_UPDATE, REQ_DEREGISTER, REQ_SEND, REQ_BOOTSTRAP };

#define MAX_PENDING 8
#define MAX_OBSERVATIONS 16
#define MAX_ATTRS 32
#define MAX_COMPOSITE_PATHS 16 /* paths of one Observe-Composite */
#define MAX_RESOURCES 1024     /* libcoap resources: every path of the tree */
#define RETRY_FIRST 2.0 /* seconds before the first registration retry */
#define RETRY_MAX 60.0
#define DEREG_WAIT 3.0 /* how long shutdown waits for the De-register answer */
#define BS_WAIT_MAX 30.0 /* how long a bootstrap may take before it starts over */
#define DM_FAILURES_TO_BS 3 /* failed registrations before bootstrapping again */
#define HANDSHAKE_MAX 20.0 /* a handshake (DTLS, TLS, TCP and CSM) that takes longer has failed */

struct pending {
	uint8_t token[8];
	uint8_t len;
	uint8_t kind; /* enum req_kind; 0 when free */
};

/* Write-Attributes values of one path (NAN: not set). */
struct attrs {
	bool used;
	lw_path path;
	double pmin, pmax, gt, lt, st, epmin, epmax;
};

/* One observation, as far as the attribute checks need: one path (Observe,
 * found by path) or several (Observe-Composite, found by token). */
struct observation {
	bool used;
	bool composite;
	lw_path path; /* the root for a composite */
	lw_path paths[MAX_COMPOSITE_PATHS];
	uint8_t n_paths;
	uint8_t token[8];
	uint8_t token_len;
	coap_resource_t *res;
	unsigned cf;      /* the format the observer asked for */
	double last_sent; /* when the last notification (or first answer) went */
	double last_eval; /* when the value was last sampled (epmin, epmax) */
	uint64_t last_hash;
	double last_value; /* numeric single resources: for gt, lt, st */
	bool has_value;
};

struct lwc_client {
	struct lwc_config cfg;
	lw_model *model;
	struct lwc_objects obj;
	const struct lw_codec *pref;
	int version; /* 10, 11, 12 */
	char binding[4];

	coap_context_t *ctx;
	coap_session_t *session;

	/* The account in use (security.c): the bootstrap server's while
	 * bootstrapping, else the DM server's; srv_iid its Server instance. */
	struct lwc_account acct;
	uint16_t srv_iid;
	uint8_t *rpk_pem; /* --rpk-key, read once: libcoap wants RPK keys in memory */
	size_t rpk_pem_len;
	uint8_t server_key[LWC_STR_MAX]; /* --server-key, DER: the RPK to pin */
	size_t server_key_len;
	bool session_failed; /* the DTLS session failed or closed: counted once */
	bool session_ok;     /* something came back on it: the handshake worked */
	int failures;        /* consecutive failures to connect or register */
	int dm_failures;     /* of them, with the DM server: bootstrap again */
	enum req_kind connecting; /* DTLS handshake under way: what to send after */
	double connect_deadline;
	bool bs_finished;    /* Bootstrap-Finish accepted: switch accounts */
	bool bs_asked;       /* Bootstrap-Request Trigger executed (1/x/9) */
	double bs_deadline;
	int exit_rc;

	enum reg_state st;
	char location[64]; /* "rd/abc": Location-Path of the registration */
	double next_update, next_retry, retry_delay, next_send, dereg_deadline;
	double last_traffic;
	bool sleeping;
	bool update_asked;
	volatile sig_atomic_t stop;

	struct pending pend[MAX_PENDING];
	struct observation obs[MAX_OBSERVATIONS];
	struct attrs attrs[MAX_ATTRS];

	/* Our libcoap resources and their paths, so that those of deleted
	 * instances and resource instances can go (after the handlers ran:
	 * libcoap cannot delete a resource from inside its handler). */
	struct {
		coap_resource_t *r;
		lw_path p;
	} reg[MAX_RESOURCES];
	size_t n_reg;
	bool sweep;
	coap_resource_t *root; /* "/": Read-, Write- and Observe-Composite */
};

/* libcoap 4.3.1 has no user data on a context: one client per process. */
extern struct lwc_client *the_client;

double now_s(void);
void lwc_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* client.c */
void lwc_set_code(coap_pdu_t *response, int status);
struct pending *lwc_pend_add(struct lwc_client *c, coap_pdu_t *pdu, enum req_kind kind);
void lwc_add_query(coap_pdu_t *pdu, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A failed attempt to connect or register: retry with back-off, give up
 * after --give-up failures, bootstrap again after DM_FAILURES_TO_BS. */
void lwc_fail(struct lwc_client *c, const char *why);
/* After the tree changed: libcoap resources for new paths, the sweep for
 * gone ones. */
void lwc_tree_changed(struct lwc_client *c);
int lwc_decode_payload(struct lwc_client *c, const coap_pdu_t *req, const lw_path *base,
                       lw_records *out);
void lwc_link_sep(lw_buf *b);
const char *lwc_object_version(struct lwc_client *c, uint16_t oid);

/* security.c */
/* Reads the account of Security instance sec_iid (and its Server instance). */
int lwc_account_load(struct lwc_client *c, uint16_t sec_iid, struct lwc_account *a);
/* The bootstrap account (bootstrap true) or the first DM account with a
 * Server instance of its short server id. 0 or -1. */
int lwc_account_find(struct lwc_client *c, bool bootstrap, struct lwc_account *a);
/* Whether a server URI needs credentials: coaps:// or coaps+tcp://. */
bool lwc_uri_secure(const char *uri);
/* "UDP", "DTLS", "TCP", "TLS": for log lines. */
const char *lwc_proto_name(coap_proto_t proto);
/* Opens c->session to c->acct: plain CoAP, or DTLS with its credentials;
 * over TCP or TLS (RFC 8323) for coap+tcp:// and coaps+tcp://. */
int lwc_session_open(struct lwc_client *c);
/* Loads --rpk-key and --server-key; fills /0/0 from the options. */
int lwc_security_init(struct lwc_client *c);
void lwc_security_free(struct lwc_client *c);
int lwc_on_event(coap_session_t *s, const coap_event_t ev);

/* Opens the session and sends kind's request (after the DTLS handshake). */
void lwc_connect(struct lwc_client *c, enum req_kind kind);

/* bootstrap.c */
/* Sends the Bootstrap-Request on the open session. */
void lwc_bs_start(struct lwc_client *c);
void lwc_bs_tick(struct lwc_client *c, double now);
void lwc_bs_response(struct lwc_client *c, int status);
/* A request from the bootstrap server: true when it was one (answered). */
bool lwc_bs_request(struct lwc_client *c, coap_resource_t *res, coap_session_t *sess,
                    const coap_pdu_t *req, const coap_string_t *query, coap_pdu_t *resp);
/* --state: the provisioned accounts, saved after a bootstrap. 0 when loaded. */
int lwc_state_load(struct lwc_client *c);
int lwc_state_save(struct lwc_client *c);

#endif
