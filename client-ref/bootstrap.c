/*
 * client-ref/bootstrap.c: the client side of the LwM2M Bootstrap
 * interface (Core spec, 6.1), client-initiated. A factory-fresh device
 * knows only its bootstrap account (-b: the -u server, Security instance
 * with Bootstrap-Server true). It sends the Bootstrap-Request (POST
 * /bs?ep=NAME, &pct= from 1.1 on), then takes what the bootstrap server
 * does on the same session: Bootstrap-Delete, Bootstrap-Write of the
 * Security and Server objects (creating instances), Bootstrap-Discover,
 * Bootstrap-Read of the Server object, and Bootstrap-Finish, which it
 * accepts only when it leaves a usable DM account (a Security instance
 * and a Server instance with the same Short Server ID; 4.06 otherwise).
 * Then it registers with that account. A bootstrap that stalls starts
 * over; a DM account that keeps failing sends the client back here
 * (client.c, lwc_fail).
 *
 * --state FILE keeps the provisioned accounts (objects 0 and 1 as SenML
 * JSON, mode 0600: it holds keys) so that the next start registers at once,
 * as a device keeps them in flash.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client_int.h"

extern const struct lw_codec lw_codec_senml_json;

/* ---- the request ---- */

void lwc_bs_start(struct lwc_client *c)
{
	coap_pdu_t *pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST, c->session);
	if (!pdu || !lwc_pend_add(c, pdu, REQ_BOOTSTRAP)) {
		if (pdu)
			coap_delete_pdu(pdu);
		lwc_fail(c, "out of memory");
		return;
	}
	coap_add_option(pdu, COAP_OPTION_URI_PATH, 2, (const uint8_t *)"bs");
	lwc_add_query(pdu, "ep=%s", c->cfg.endpoint);
	if (c->version >= 11)
		lwc_add_query(pdu, "pct=%u", c->pref->content_format);
	c->st = BS_PENDING;
	c->bs_deadline = now_s() + BS_WAIT_MAX;
	if (coap_send(c->session, pdu) == COAP_INVALID_MID)
		lwc_fail(c, "send failed");
	else
		lwc_log("bootstrap request sent to %s", c->acct.uri);
}

void lwc_bs_response(struct lwc_client *c, int status)
{
	if (status != LWC_CHANGED) {
		char why[24];
		snprintf(why, sizeof(why), "refused: %d.%02d", status / 100, status % 100);
		lwc_fail(c, why);
		return;
	}
	/* The server may have started writing before this answer came. */
	if (c->st == BS_PENDING)
		c->st = BS_WAIT;
	c->bs_deadline = now_s() + BS_WAIT_MAX;
	lwc_log("bootstrap request accepted");
}

/* ---- switching to the DM server ---- */

/* Makes account a the one in use: its Server instance gives the lifetime
 * and binding of the registration. */
static void use_account(struct lwc_client *c, const struct lwc_account *a)
{
	c->acct = *a;
	c->srv_iid = a->srv_iid;
	c->cfg.lifetime = (int)lwc_get_int(&c->obj, 1, a->srv_iid, 1, 86400);
	struct lwc_instance *in = lwc_instance_find(&c->obj, 1, a->srv_iid);
	struct lwc_slot *b = in ? lwc_slot_find(in, 7, LW_ID_NONE) : NULL;
	if (b && b->len > 0 && b->len < sizeof(c->binding))
		snprintf(c->binding, sizeof(c->binding), "%.*s", (int)b->len,
		         (const char *)lwc_slot_bytes(b));
}

static void finish(struct lwc_client *c, double now)
{
	struct lwc_account a;
	c->bs_finished = false;
	if (lwc_account_find(c, false, &a)) { /* checked at Finish: cannot happen */
		lwc_fail(c, "no DM account after Finish");
		return;
	}
	/* The Finish's answer left in the last turn of the loop. */
	coap_session_t *s = c->session;
	c->session = NULL; /* unhooked first: its closing events are no news */
	if (s)
		coap_session_release(s);
	use_account(c, &a);
	if (c->cfg.state_file && lwc_state_save(c) == 0)
		lwc_log("accounts saved in %s", c->cfg.state_file);
	c->st = REG_NONE;
	c->next_retry = now;
	c->retry_delay = RETRY_FIRST;
	c->failures = 0;
	lwc_log("bootstrap finished: registering with %s (security mode %d, server /1/%u)", a.uri,
	        a.mode, a.srv_iid);
}

void lwc_bs_tick(struct lwc_client *c, double now)
{
	if (c->bs_finished)
		finish(c, now);
	else if (c->st == BS_NONE && now >= c->next_retry)
		lwc_connect(c, REQ_BOOTSTRAP);
	else if ((c->st == BS_PENDING || c->st == BS_WAIT) && !c->connecting &&
	         now >= c->bs_deadline)
		lwc_fail(c, "no Bootstrap-Finish in time");
}

/* ---- Bootstrap-Discover ---- */

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Objects in the order a reader expects; those the model lacks drop out. */
static const uint16_t discover_order[] = {0, 1, 3, 4, 5, 6, 19, 3303, 3313};

/*
 * The objects and their instances, with the version of objects not 1.0,
 * the Short Server ID of Security and Server instances and the URI of
 * Security instances (Core spec, Bootstrap-Discover):
 *   </>;lwm2m=1.1,</0/0>;uri="coap://bs",</0/1>;ssid=1;uri="coaps://dm",</1>,</1/1>;ssid=1,...
 */
static int bs_discover(struct lwc_client *c, const lw_path *p, lw_buf *b)
{
	if (lw_path_depth(p) > 1)
		return LWC_BAD_REQUEST;
	if (lw_path_depth(p) == 1 && !lwc_object_known(&c->obj, p->oid))
		return LWC_NOT_FOUND;
	lw_buf_printf(b, "</>;lwm2m=%s", c->cfg.version);
	for (size_t k = 0; k < sizeof(discover_order) / sizeof(discover_order[0]); k++) {
		uint16_t oid = discover_order[k];
		if (!lwc_object_known(&c->obj, oid) || (lw_path_depth(p) == 1 && p->oid != oid))
			continue;
		lwc_link_sep(b);
		lw_buf_printf(b, "</%u>", oid);
		if (strcmp(lwc_object_version(c, oid), "1.0"))
			lw_buf_printf(b, ";ver=%s", lwc_object_version(c, oid));
		uint16_t ids[LWC_MAX_INSTANCES];
		size_t n = 0;
		for (size_t i = 0; i < LWC_MAX_INSTANCES; i++)
			if (c->obj.inst[i].used && c->obj.inst[i].oid == oid)
				ids[n++] = c->obj.inst[i].iid;
		qsort(ids, n, sizeof(ids[0]), cmp_u16);
		for (size_t i = 0; i < n; i++) {
			lwc_link_sep(b);
			lw_buf_printf(b, "</%u/%u>", oid, ids[i]);
			if (oid == 0) {
				struct lwc_account a;
				lwc_account_load(c, ids[i], &a);
				if (!a.bootstrap && a.ssid)
					lw_buf_printf(b, ";ssid=%u", a.ssid);
				lw_buf_printf(b, ";uri=\"%s\"", a.uri);
			} else if (oid == 1) {
				lw_buf_printf(b, ";ssid=%u",
				              (unsigned)lwc_get_int(&c->obj, 1, ids[i], 0, 0));
			}
		}
	}
	return LWC_CONTENT;
}

/* ---- the bootstrap server's requests ---- */

static int req_path(const coap_pdu_t *req, lw_path *p, bool *is_bs)
{
	coap_string_t *u = coap_get_uri_path(req);
	int rc = 0;
	*p = LW_PATH_ROOT;
	*is_bs = u && u->length == 2 && !memcmp(u->s, "bs", 2);
	if (u && u->length && !*is_bs)
		rc = lw_path_parse((const char *)u->s, u->length, p, NULL);
	coap_delete_string(u);
	return rc;
}

/* Bootstrap-Finish: 2.04 when a DM account can work, else 4.06 (Core
 * spec: the client checks the configuration's consistency). */
static int bs_finish(struct lwc_client *c)
{
	struct lwc_account a;
	if (lwc_account_find(c, false, &a)) {
		lwc_log("bootstrap finish refused: no Security and Server instances with the "
		        "same short server id");
		return LWC_NOT_ACCEPTABLE;
	}
	c->bs_finished = true;
	return LWC_CHANGED;
}

static void release_links(coap_session_t *s, void *p)
{
	(void)s;
	free(p);
}

/* libcoap owns the bytes from here and frees them once sent. */
static void respond_links(coap_resource_t *res, coap_session_t *sess, const coap_pdu_t *req,
                          const coap_string_t *query, coap_pdu_t *resp, lw_buf *b)
{
	lwc_set_code(resp, LWC_CONTENT);
	coap_add_data_large_response(res, sess, req, resp, query, LW_CF_LINK, -1, 0, b->len,
	                             b->data, release_links, b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

bool lwc_bs_request(struct lwc_client *c, coap_resource_t *res, coap_session_t *sess,
                    const coap_pdu_t *req, const coap_string_t *query, coap_pdu_t *resp)
{
	if (sess != c->session)
		return false; /* another peer (--listen-port): the usual rules */
	lw_path p;
	bool is_bs;
	coap_pdu_code_t code = coap_pdu_get_code(req);
	int rc;
	c->bs_deadline = now_s() + BS_WAIT_MAX;
	if (req_path(req, &p, &is_bs)) {
		lwc_set_code(resp, LWC_BAD_REQUEST);
		return true;
	}
	if (is_bs) {
		rc = code == COAP_REQUEST_CODE_POST ? bs_finish(c) : LWC_NOT_ALLOWED;
		lwc_log("bootstrap finish: %d.%02d", rc / 100, rc % 100);
		lwc_set_code(resp, rc);
		return true;
	}
	switch (code) {
	case COAP_REQUEST_CODE_GET: {
		coap_opt_iterator_t it;
		coap_opt_t *o = coap_check_option(req, COAP_OPTION_ACCEPT, &it);
		unsigned accept = o ? coap_decode_var_bytes(coap_opt_value(o), coap_opt_length(o))
		                    : 0;
		if (!o || accept != LW_CF_LINK) {
			/* Bootstrap-Read: the Server object only (Security stays 4.01). */
			if (lw_path_depth(&p) >= 1 && p.oid == 1)
				return false;
			lwc_set_code(resp, LWC_UNAUTHORIZED);
			return true;
		}
		lw_buf b;
		lw_buf_init(&b);
		rc = bs_discover(c, &p, &b);
		if (rc == LWC_CONTENT)
			respond_links(res, sess, req, query, resp, &b);
		else
			lwc_set_code(resp, rc);
		lw_buf_free(&b);
		return true;
	}
	case COAP_REQUEST_CODE_DELETE:
		rc = lwc_bs_delete(&c->obj, &p);
		if (rc == LWC_DELETED)
			lwc_tree_changed(c);
		break;
	case COAP_REQUEST_CODE_PUT: {
		lw_records recs;
		lw_records_init(&recs);
		rc = lwc_decode_payload(c, req, &p, &recs);
		if (!rc)
			rc = lwc_bs_write(&c->obj, &p, &recs);
		if (rc == LWC_CHANGED)
			lwc_tree_changed(c);
		lw_records_free(&recs);
		break;
	}
	default:
		rc = LWC_NOT_ALLOWED; /* no Execute, Create or attributes here */
		break;
	}
	char path[48];
	lw_path_format(&p, path, sizeof(path));
	const char *what = code == COAP_REQUEST_CODE_PUT      ? "write"
	                   : code == COAP_REQUEST_CODE_DELETE ? "delete"
	                                                      : "request";
	lwc_log("bootstrap %s %s: %d.%02d", what, path, rc / 100, rc % 100);
	lwc_set_code(resp, rc);
	return true;
}

/* ---- --state ---- */

int lwc_state_save(struct lwc_client *c)
{
	lw_records recs;
	lw_buf b;
	lw_path root = LW_PATH_ROOT;
	int rc = -1;
	char tmp[512];
	lw_records_init(&recs);
	lw_buf_init(&b);
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->cfg.state_file);
	if (!lwc_export(&c->obj, 0, &recs) && !lwc_export(&c->obj, 1, &recs) &&
	    !lw_codec_senml_json.encode(c->model, &root, &recs, &b, NULL)) {
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			bool ok = write(fd, b.data, b.len) == (ssize_t)b.len;
			ok = close(fd) == 0 && ok;
			rc = ok && rename(tmp, c->cfg.state_file) == 0 ? 0 : -1;
			if (rc)
				unlink(tmp);
		}
	}
	if (rc)
		lwc_log("cannot save the accounts in %s", c->cfg.state_file);
	lw_records_free(&recs);
	lw_buf_free(&b);
	return rc;
}

/* The records of one object, the bootstrap account left out: the command
 * line says where the bootstrap server is. */
static int load_object(struct lwc_client *c, const lw_records *all, uint16_t oid)
{
	lw_records recs;
	lw_records_init(&recs);
	int rc = LWC_CHANGED;
	for (size_t i = 0; i < all->n && rc == LWC_CHANGED; i++) {
		const lw_record *r = &all->items[i];
		struct lwc_instance *in = lwc_instance_find(&c->obj, r->path.oid, r->path.iid);
		if (r->path.oid != oid || (in && lwc_is_bs_account(in)))
			continue;
		if (lw_records_append_copy(&recs, r))
			rc = LWC_INTERNAL;
	}
	lw_path p = lw_path_make(1, oid, 0, 0, 0);
	if (rc == LWC_CHANGED && recs.n)
		rc = lwc_bs_write(&c->obj, &p, &recs);
	lw_records_free(&recs);
	return rc == LWC_CHANGED ? 0 : -1;
}

int lwc_state_load(struct lwc_client *c)
{
	FILE *f = fopen(c->cfg.state_file, "rb");
	if (!f)
		return -1; /* first start: bootstrap */
	static uint8_t data[16384];
	size_t n = fread(data, 1, sizeof(data), f);
	fclose(f);
	lw_records recs;
	lw_records_init(&recs);
	lw_path root = LW_PATH_ROOT;
	struct lwc_account a;
	lw_path all = LW_PATH_ROOT;
	int rc = -1;
	if (n > 0 && n < sizeof(data) &&
	    !lw_codec_senml_json.decode(c->model, &root, data, n, &recs, NULL)) {
		lwc_bs_delete(&c->obj, &all);
		if (!load_object(c, &recs, 0) && !load_object(c, &recs, 1) &&
		    !lwc_account_find(c, false, &a))
			rc = 0;
	}
	lw_records_free(&recs);
	if (rc) {
		lwc_log("%s: no usable account in it: bootstrapping", c->cfg.state_file);
		lwc_bs_delete(&c->obj, &all);
		return -1;
	}
	use_account(c, &a);
	c->st = REG_NONE;
	lwc_log("accounts loaded from %s: registering with %s", c->cfg.state_file, a.uri);
	return 0;
}
