/*
 * http/static.c: the operator console's files ([http] web_root), served on
 * the CivetWeb thread. They are plain files that never change while the
 * daemon runs, so nothing here touches core state and the loop thread is not
 * involved. We serve them ourselves rather than through CivetWeb's
 * document_root so that every answer carries the same security headers
 * (and CSP) as the API, and so that no directory listing, CGI or SSI of
 * CivetWeb can ever be switched on by a stray file.
 */
#include "http/http.h"

#include <civetweb.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"

#define MAX_FILE (16 << 20)

static const struct {
	const char *ext, *ctype;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json"},
	{".map", "application/json"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".txt", "text/plain; charset=utf-8"},
};

static const char *ctype_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcmp(dot, types[i].ext) == 0)
				return types[i].ctype;
	return "application/octet-stream";
}

/* A URL path is safe when no segment is "." or ".." and it has no
 * backslash or NUL tricks (local_uri is already percent-decoded). */
static int safe_path(const char *p)
{
	if (p[0] != '/' || strchr(p, '\\'))
		return 0;
	for (const char *s = p; *s;) {
		while (*s == '/')
			s++;
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		s += n;
	}
	return 1;
}

int lw_http_static(struct lw_http *h, struct mg_connection *c, const char *method,
                   const char *path)
{
	const char *root = h->d->cfg->http_web_root;
	if (!root || !*root || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) ||
	    !safe_path(path))
		return 0;
	char file[4096];
	size_t pl = strlen(path);
	int n = snprintf(file, sizeof(file), "%s%s%s", root, path,
	                 path[pl - 1] == '/' ? "index.html" : "");
	if (n < 0 || (size_t)n >= sizeof(file))
		return 0;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE) {
		close(fd);
		return 0;
	}
	size_t len = (size_t)st.st_size;
	char *buf = malloc(len ? len : 1);
	size_t got = 0;
	while (buf && got < len) {
		ssize_t k = read(fd, buf + got, len - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	if (!buf || got != len) {
		free(buf);
		return 0;
	}
	atomic_fetch_add(&h->responses[2], 1);
	mg_printf(c,
	          "HTTP/1.1 200 OK\r\n"
	          "Content-Type: %s\r\n"
	          "Content-Length: %zu\r\n"
	          "%s"
	          "Connection: %s\r\n\r\n",
	          ctype_of(file), len, lw_http_security_headers,
	          lw_http_connection(h, c, 200));
	if (len && strcmp(method, "HEAD") != 0)
		mg_write(c, buf, len);
	free(buf);
	return 200;
}
