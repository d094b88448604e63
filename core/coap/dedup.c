/* coap/dedup.c: the deduplication cache (see dedup.h). */
#include "coap/dedup.h"

#include <stdlib.h>
#include <string.h>

#include "coap/peer.h"
#include "lwm2m/error.h"

static uint64_t key_hash(const struct lw_coap_peer *p, uint16_t mid)
{
	return lw_hash(&p, sizeof(p), mid);
}

int lw_coap_dedup_init(struct lw_coap_dedup *d, size_t max, uint64_t con_lifetime_ms,
                       uint64_t non_lifetime_ms)
{
	memset(d, 0, sizeof(*d));
	d->max = max;
	d->lifetime[0] = non_lifetime_ms;
	d->lifetime[1] = con_lifetime_ms;
	return lw_htable_init(&d->table, 1024);
}

static void drop_head(struct lw_coap_dedup *d, int kind)
{
	struct lw_coap_dedup_entry *e = d->head[kind];
	d->head[kind] = e->fifo_next;
	if (!d->head[kind])
		d->tail[kind] = NULL;
	lw_htable_remove(&d->table, &e->node);
	e->peer->n_dedup--;
	free(e);
}

void lw_coap_dedup_free(struct lw_coap_dedup *d)
{
	for (int k = 0; k < 2; k++)
		while (d->head[k])
			drop_head(d, k);
	lw_htable_free(&d->table);
}

struct lw_coap_dedup_entry *lw_coap_dedup_find(struct lw_coap_dedup *d,
                                               const struct lw_coap_peer *p, uint16_t mid)
{
	uint64_t h = key_hash(p, mid);
	for (struct lw_hnode *n = lw_htable_bucket(&d->table, h); n; n = n->next) {
		struct lw_coap_dedup_entry *e = LW_CONTAINER_OF(n, struct lw_coap_dedup_entry, node);
		if (n->hash == h && e->peer == p && e->mid == mid)
			return e;
	}
	return NULL;
}

int lw_coap_dedup_add(struct lw_coap_dedup *d, struct lw_coap_peer *p, uint16_t mid, int con,
                      const uint8_t *resp, size_t len, uint64_t now)
{
	if (d->max == 0)
		return 0;
	if (len > UINT16_MAX)
		len = 0; /* too big to keep: a duplicate is then answered afresh */
	while (d->table.count >= d->max) {
		/* Evict whichever head expires first. */
		int k = !d->head[0] ? 1 : !d->head[1] ? 0 : d->head[0]->expires <= d->head[1]->expires ? 0 : 1;
		drop_head(d, k);
		d->evicted++;
	}
	struct lw_coap_dedup_entry *e = malloc(sizeof(*e) + len);
	if (!e)
		return LW_ENOMEM;
	int kind = con ? 1 : 0;
	e->fifo_next = NULL;
	e->peer = p;
	e->expires = now + d->lifetime[kind];
	e->mid = mid;
	e->con = (uint8_t)kind;
	e->resp_len = (uint16_t)len;
	if (len)
		memcpy(e->resp, resp, len);
	if (d->tail[kind])
		d->tail[kind]->fifo_next = e;
	else
		d->head[kind] = e;
	d->tail[kind] = e;
	lw_htable_insert(&d->table, &e->node, key_hash(p, mid));
	p->n_dedup++;
	return 0;
}

size_t lw_coap_dedup_expire(struct lw_coap_dedup *d, uint64_t now)
{
	size_t n = 0;
	for (int k = 0; k < 2; k++)
		while (d->head[k] && d->head[k]->expires <= now) {
			drop_head(d, k);
			n++;
		}
	return n;
}
