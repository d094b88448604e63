/*
 * tools/rest_client.c: lwm2mctl's HTTP client (see rest_client.h), on
 * libcurl, which brings HTTPS, proxies and the odd corners of HTTP for free.
 * Requests are blocking and one at a time: a command line tool does one
 * thing after another, so there is no loop to integrate with.
 */
#include "tools/rest_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An answer larger than this is not something we asked for. */
#define BODY_LIMIT (64u << 20)
/* One SSE line (an event's data) larger than this is refused the same way. */
#define LINE_LIMIT (16u << 20)

struct growbuf {
	char *p;
	size_t len, cap;
};

static int grow_append(struct growbuf *b, const char *s, size_t n, size_t limit)
{
	if (b->len + n + 1 > limit)
		return -1;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (!q)
			return -1;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int rest_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void rest_global_cleanup(void)
{
	curl_global_cleanup();
}

char *rest_escape(const char *segment)
{
	char *e = curl_easy_escape(NULL, segment, 0);
	char *copy = e ? strdup(e) : NULL;
	curl_free(e);
	return copy;
}

void rest_reply_free(struct rest_reply *rep)
{
	free(rep->body);
	rep->body = NULL;
	rep->len = 0;
}

static char *full_url(const struct rest *r, const char *target)
{
	size_t n = strlen(r->url);
	while (n && r->url[n - 1] == '/')
		n--;
	size_t len = n + strlen(target) + 1;
	char *u = malloc(len);
	if (u)
		snprintf(u, len, "%.*s%s", (int)n, r->url, target);
	return u;
}

/* The common set-up of a handle; the header list is the caller's to free. */
static CURL *make_handle(const struct rest *r, const char *url, const char *accept,
                         struct curl_slist **hdrs, char *errbuf)
{
	CURL *h = curl_easy_init();
	if (!h)
		return NULL;
	struct curl_slist *l = NULL, *t;
	char line[4200];
	snprintf(line, sizeof(line), "Accept: %s", accept);
	l = curl_slist_append(l, line);
	if (l && r->token) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", r->token);
		t = curl_slist_append(l, line);
		if (!t) {
			curl_slist_free_all(l);
			l = NULL;
		} else {
			l = t;
		}
	}
	if (!l) {
		curl_easy_cleanup(h);
		return NULL;
	}
	*hdrs = l;
	errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "lwm2mctl/" PACKAGE_VERSION);
	return h;
}

/* "cannot reach URL: reason", with the system's words when there are some. */
static void reach_error(CURL *h, CURLcode rc, const char *base, const char *errbuf, char *err,
                        size_t errlen)
{
	long os = 0;
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os);
	const char *why = os ? strerror((int)os) : errbuf[0] ? errbuf : curl_easy_strerror(rc);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	snprintf(err, errlen, "cannot reach %s: %s", base, why);
}

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
	struct growbuf *b = ctx;
	return grow_append(b, data, size * n, BODY_LIMIT) == 0 ? size * n : 0;
}

int rest_request(const struct rest *r, const char *method, const char *target, const char *body,
                 struct rest_reply *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL;
	struct growbuf b = {0};
	char *url = full_url(r, target);
	CURL *h = url ? make_handle(r, url, "application/json", &hdrs, errbuf) : NULL;
	if (!h) {
		free(url);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (body) {
		struct curl_slist *t = curl_slist_append(hdrs, "Content-Type: application/json");
		if (t)
			hdrs = t;
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (r->timeout_s > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT, r->timeout_s);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);

	CURLcode rc = curl_easy_perform(h);
	int ret = 0;
	if (rc != CURLE_OK) {
		if (rc == CURLE_WRITE_ERROR)
			snprintf(err, errlen, "the answer of %s is too large", url);
		else
			reach_error(h, rc, r->url, errbuf, err, errlen);
		free(b.p);
		ret = -1;
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
		if (!b.p)
			b.p = calloc(1, 1);
		out->body = b.p;
		out->len = b.len;
		if (!out->body) {
			snprintf(err, errlen, "out of memory");
			ret = -1;
		}
	}
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	free(url);
	return ret;
}

/* ---- Server-Sent Events ---- */

struct sse {
	CURL *h;
	int checked, ok, stopped;
	rest_open_fn on_open;
	rest_event_fn fn;
	void *ctx;
	volatile int *stop;
	struct growbuf line, kind, data, body;
};

/* One complete line of the stream (without its end of line). */
static int sse_line(struct sse *s, char *l, size_t n)
{
	if (n == 0) {
		/* The blank line dispatches what was gathered. */
		int rc = 0;
		if (s->data.len || s->kind.len)
			rc = s->fn(s->ctx, s->kind.len ? s->kind.p : "message",
			           s->data.p ? s->data.p : "");
		s->kind.len = s->data.len = 0;
		if (s->kind.p)
			s->kind.p[0] = '\0';
		if (s->data.p)
			s->data.p[0] = '\0';
		return rc;
	}
	if (l[0] == ':')
		return 0; /* a comment: the greeting and the keep-alives */
	char *colon = memchr(l, ':', n);
	size_t name_len = colon ? (size_t)(colon - l) : n;
	const char *v = colon ? colon + 1 : l + n;
	if (*v == ' ')
		v++;
	size_t vlen = (size_t)(l + n - v);
	if (name_len == 5 && memcmp(l, "event", 5) == 0) {
		s->kind.len = 0;
		return grow_append(&s->kind, v, vlen, LINE_LIMIT) ? -1 : 0;
	}
	if (name_len == 4 && memcmp(l, "data", 4) == 0) {
		if (s->data.len && grow_append(&s->data, "\n", 1, LINE_LIMIT))
			return -1;
		return grow_append(&s->data, v, vlen, LINE_LIMIT) ? -1 : 0;
	}
	return 0; /* id:, retry: and unknown fields do not matter here */
}

static size_t sse_write(char *data, size_t size, size_t n, void *ctx)
{
	struct sse *s = ctx;
	size_t total = size * n;
	if (!s->checked) {
		long status = 0;
		curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
		s->checked = 1;
		s->ok = status >= 200 && status < 300;
		if (s->ok && s->on_open && s->on_open(s->ctx)) {
			s->stopped = 1;
			return 0;
		}
	}
	if (!s->ok)
		return grow_append(&s->body, data, total, BODY_LIMIT) == 0 ? total : 0;
	for (size_t i = 0; i < total; i++) {
		if (data[i] != '\n') {
			if (grow_append(&s->line, &data[i], 1, LINE_LIMIT))
				return 0;
			continue;
		}
		size_t len = s->line.len;
		if (len && s->line.p[len - 1] == '\r')
			len--;
		int rc = sse_line(s, s->line.p ? s->line.p : (char *)"", len);
		s->line.len = 0;
		if (rc) {
			s->stopped = rc > 0;
			return 0;
		}
	}
	return total;
}

static int sse_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)a, (void)b, (void)c, (void)d;
	struct sse *s = ctx;
	if (s->stop && *s->stop) {
		s->stopped = 1;
		return 1;
	}
	return 0;
}

int rest_stream(const struct rest *r, const char *target, rest_open_fn on_open, rest_event_fn fn,
                void *ctx, volatile int *stop, struct rest_reply *rep, char *err, size_t errlen)
{
	memset(rep, 0, sizeof(*rep));
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL;
	char *url = full_url(r, target);
	CURL *h = url ? make_handle(r, url, "text/event-stream", &hdrs, errbuf) : NULL;
	if (!h) {
		free(url);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct sse s = {.h = h, .on_open = on_open, .fn = fn, .ctx = ctx, .stop = stop};
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sse_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, sse_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &s);

	CURLcode rc = curl_easy_perform(h);
	int ret;
	if (s.checked && !s.ok) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rep->status);
		rep->body = s.body.p ? s.body.p : calloc(1, 1);
		rep->len = s.body.len;
		s.body.p = NULL;
		ret = rep->body ? 1 : -1;
		if (!rep->body)
			snprintf(err, errlen, "out of memory");
	} else if (rc == CURLE_OK || s.stopped) {
		ret = 0;
	} else if (rc == CURLE_WRITE_ERROR) {
		snprintf(err, errlen, "the event stream of %s could not be read (out of memory?)",
		         r->url);
		ret = -1;
	} else {
		reach_error(h, rc, r->url, errbuf, err, errlen);
		ret = -1;
	}
	free(s.line.p);
	free(s.kind.p);
	free(s.data.p);
	free(s.body.p);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	free(url);
	return ret;
}
