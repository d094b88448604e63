/*
 * client-ref/lwclient.h: the reference LwM2M client as a small library.
 *
 * Two halves: the object tree (objects.c), plain data with the LwM2M
 * operations on it and no networking, and the client (client.c), which
 * speaks CoAP through libcoap: it registers, keeps the registration alive,
 * answers the server's requests with the object tree, notifies observers and
 * sends data. The CLI (lwm2m-client.c) only parses options and runs it.
 *
 * Memory: the object tree is one fixed-size struct (no allocation); payloads
 * are encoded into short-lived buffers. Everything runs on one thread.
 */
#ifndef LW_CLIENT_REF_LWCLIENT_H
#define LW_CLIENT_REF_LWCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwm2m/codec.h"
#include "lwm2m/model.h"
#include "lwm2m/path.h"
#include "lwm2m/records.h"

/* ---- the object tree (objects.c) ---- */

/* Sized for this client's objects: a constrained device knows its needs. */
#define LWC_MAX_INSTANCES 24
#define LWC_MAX_SLOTS 32
#define LWC_STR_MAX 128

/* Results of the operations, as CoAP response codes (class * 100 + detail). */
enum lwc_status {
	LWC_OK = 0,
	LWC_CREATED = 201,
	LWC_DELETED = 202,
	LWC_CHANGED = 204,
	LWC_CONTENT = 205,
	LWC_BAD_REQUEST = 400,
	LWC_UNAUTHORIZED = 401,
	LWC_NOT_FOUND = 404,
	LWC_NOT_ALLOWED = 405,
	LWC_NOT_ACCEPTABLE = 406,
	LWC_UNSUPPORTED_FORMAT = 415,
	LWC_INTERNAL = 500,
};

/* One value: a single resource, or one instance of a multiple resource. */
struct lwc_slot {
	uint16_t rid, riid; /* riid LW_ID_NONE for a single resource */
	uint8_t type;       /* lw_type; NONE for executables */
	uint8_t ops;        /* enum lw_ops */
	uint32_t len;       /* bytes held for STRING and OPAQUE */
	uint32_t cap;       /* size of ext when set */
	uint8_t *ext;       /* a big value's own storage (static), else s holds it */
	union {
		int64_t i; /* INTEGER, TIME */
		uint64_t u;
		double f;
		bool b;
		lw_objlnk l;
	} v;
	char s[LWC_STR_MAX];
};

struct lwc_instance {
	bool used;
	uint16_t oid, iid;
	uint8_t n;
	/* Resources this instance implements, even a multiple one that has no
	 * instance left after a Write. */
	uint8_t nres;
	uint16_t res[LWC_MAX_SLOTS];
	/* Slots stay grouped by resource, instances of one in riid order. */
	struct lwc_slot slots[LWC_MAX_SLOTS];
};

/* What an Execute asks of the networking half. */
enum lwc_action {
	LWC_ACT_NONE = 0,
	LWC_ACT_UPDATE, /* 1/x/8 Registration Update Trigger */
	LWC_ACT_BOOTSTRAP, /* 1/x/9 Bootstrap-Request Trigger */
};

struct lwc_objects {
	const lw_model *model; /* types and operations of every resource */
	char server_uri[LWC_STR_MAX];
	char endpoint[64];
	uint32_t seed; /* the sensors' pseudo-random walk, per endpoint */
	double t0;     /* when the sensors started */
	struct lwc_instance inst[LWC_MAX_INSTANCES];
};

/* Size of the one big value: /19/0/0/0 when the model knows object 19. */
#define LWC_BIG_MAX 65536

/* Fills the tree: objects 0, 1, 3, 4, 5, 6, 3303 and 3313, and 19
 * (BinaryAppDataContainer) when the model has its definition. */
int lwc_objects_init(struct lwc_objects *o, const lw_model *m, const char *server_uri,
                     const char *endpoint, int lifetime, const char *binding);
/* Moves the sensors and clocks on to time now (seconds since the epoch). */
void lwc_objects_tick(struct lwc_objects *o, double now);

struct lwc_instance *lwc_instance_find(struct lwc_objects *o, uint16_t oid, uint16_t iid);
struct lwc_slot *lwc_slot_find(struct lwc_instance *in, uint16_t rid, uint16_t riid);
/* Whether the instance implements resource rid. */
bool lwc_has_resource(const struct lwc_instance *in, uint16_t rid);
/* The bytes of a STRING or OPAQUE slot. */
const uint8_t *lwc_slot_bytes(const struct lwc_slot *s);
/* Whether the object exists (has at least one instance, or may have some). */
bool lwc_object_known(const struct lwc_objects *o, uint16_t oid);

/* The LwM2M operations. Each returns an lwc_status. */
int lwc_read(struct lwc_objects *o, const lw_path *p, lw_records *out);
int lwc_write(struct lwc_objects *o, const lw_path *p, const lw_records *in, bool replace);
/* Read-Composite: the values of every path named by a record of paths
 * (values ignored). Paths that do not exist are left out; 4.04 when none
 * does. */
int lwc_read_composite(struct lwc_objects *o, const lw_records *paths, lw_records *out);
/* Write-Composite: each record updates its resource (instance); all are
 * checked before any is applied. */
int lwc_write_composite(struct lwc_objects *o, const lw_records *in);
int lwc_execute(struct lwc_objects *o, const lw_path *p, const char *args, size_t len,
                enum lwc_action *action);
int lwc_create(struct lwc_objects *o, const lw_path *p, const lw_records *in, uint16_t *iid);
int lwc_delete(struct lwc_objects *o, const lw_path *p);

/* Convenience accessors for the client half. */
int64_t lwc_get_int(struct lwc_objects *o, uint16_t oid, uint16_t iid, uint16_t rid, int64_t dflt);
double lwc_get_float(struct lwc_objects *o, uint16_t oid, uint16_t iid, uint16_t rid, double dflt);

/* ---- accounts and bootstrap (objects.c) ---- */

/* Security Mode, /0/x/2. */
enum lwc_sec_mode {
	LWC_SEC_PSK = 0,
	LWC_SEC_RPK = 1,
	LWC_SEC_CERT = 2,
	LWC_SEC_NOSEC = 3,
};

/* What an account needs to connect: Security instance sec_iid (URI, mode,
 * keys), and for a DM server its Server instance srv_iid. */
struct lwc_account {
	uint16_t sec_iid, srv_iid, ssid;
	bool bootstrap;
	int mode;
	char uri[LWC_STR_MAX];
	uint8_t identity[LWC_STR_MAX]; /* PSK identity, or own public key / certificate */
	size_t identity_len;
	uint8_t key[LWC_STR_MAX];      /* PSK, or own private key */
	size_t key_len;
	uint8_t server_key[LWC_STR_MAX]; /* the server's public key or certificate */
	size_t server_key_len;
};

/* Sets the account of Security instance iid (created when missing). */
int lwc_security_set(struct lwc_objects *o, uint16_t iid, const char *uri, bool bootstrap,
                     int mode, const uint8_t *identity, size_t id_len, const uint8_t *key,
                     size_t key_len);
/* Removes an instance whatever its object (accounts, at start-up). */
void lwc_instance_drop(struct lwc_objects *o, uint16_t oid, uint16_t iid);
/* Every value of object oid's instances, write-only ones included: for the
 * client itself (its accounts), never for a server. */
int lwc_export(struct lwc_objects *o, uint16_t oid, lw_records *out);
/* Bootstrap-Write: on /O, /O/I or /O/I/R; creates the instances it names
 * (Security and Server included) and may set any resource. */
int lwc_bs_write(struct lwc_objects *o, const lw_path *p, const lw_records *in);
/* Bootstrap-Delete: on /, /O or /O/I; the bootstrap account stays. */
int lwc_bs_delete(struct lwc_objects *o, const lw_path *p);
/* Whether Security instance in is the bootstrap server's account. */
bool lwc_is_bs_account(struct lwc_instance *in);

/* ---- the content formats this client speaks (client.c) ---- */

/* The codec for a content format, or NULL. */
const struct lw_codec *lwc_codec_by_format(unsigned cf);
/* The codec for a name: tlv, senml-json, senml-cbor, lwm2m-cbor, json, text, opaque. */
const struct lw_codec *lwc_codec_by_name(const char *name);

/* ---- the client (client.c) ---- */

struct lwc_config {
	const char *server_uri;  /* coap://host:port */
	const char *endpoint;
	int lifetime;            /* seconds */
	const char *version;     /* "1.0", "1.1", "1.2" */
	bool queue_mode;
	int awake_s;             /* queue mode: how long it stays awake after traffic */
	const char *format;      /* preferred format name, NULL for the version's default */
	int listen_port;         /* > 0: also answer any peer on 127.0.0.1:port */
	int send_interval;       /* > 0: Send (POST /dp) the temperature this often */
	const char *model;       /* a DDF file or folder loaded on top of the built-ins */
	int verbose;
	/* Security of the server named by server_uri (coaps://): PSK, X.509
	 * (PEM files) or a raw public key (the EC private key's PEM file). */
	bool bootstrap;          /* server_uri is the bootstrap server */
	const char *psk_identity;
	const char *psk_key_hex;
	const char *cert_file, *key_file, *ca_file;
	const char *rpk_key_file;
	const char *server_key_file; /* RPK: the server's public key (PEM) to pin */
	int give_up;             /* > 0: exit after this many failures in a row */
	const char *state_file;  /* accounts provisioned by bootstrap live here */
};

struct lwc_client;

struct lwc_client *lwc_client_new(const struct lwc_config *cfg);
/* Runs until lwc_client_stop(); deregisters before returning. 0, or -1
 * when it gave up (--give-up). */
int lwc_client_run(struct lwc_client *c);
/* Async-signal-safe: asks the loop to deregister and return. */
void lwc_client_stop(struct lwc_client *c);
void lwc_client_free(struct lwc_client *c);

#endif
