/*
 * http/tls.c: HTTPS for the console and the REST API. CivetWeb wants the
 * certificate and its private key in one PEM file, while operators keep them
 * apart ([http] certificate and private_key, like [coaps]): the two are
 * checked with GnuTLS first, so that a wrong pair stops the start with a clear
 * reason, then joined into state_dir/https.pem (mode 0600, rewritten at each
 * start so that a renewed certificate is picked up by a restart).
 *
 * CivetWeb in Debian loads OpenSSL at run time by the names libssl.so and
 * libcrypto.so, which the libssl-dev package provides. CivetWeb 1.15 (Debian
 * 12) then calls SSL_get_peer_certificate on every connection, a function
 * OpenSSL 3 no longer exports (it became SSL_get1_peer_certificate): CivetWeb
 * loads anyway and jumps to NULL at the first HTTPS request. The daemon looks
 * for the function itself, after loading its own compat/libssl.so
 * (ssl_compat.c), which provides it under the SONAME libssl.so, so that
 * CivetWeb's dlopen("libssl.so") gets that object. Without the shim (and an
 * OpenSSL that lacks the function) it refuses to start with HTTPS rather
 * than crash.
 */
#include "http/http.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"

#ifndef LW_COMPAT_DIR
#define LW_COMPAT_DIR "/usr/local/lib/lwm2md/compat"
#endif
#define COMPAT_SO "libssl.so" /* core/compat/libssl.la */

static int append_file(int fd, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char buf[4096];
	size_t n;
	int ok = 1;
	while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		ok = write(fd, buf, n) == (ssize_t)n;
	ok = ok && !ferror(f);
	fclose(f);
	/* PEM blocks must start on a line of their own. */
	return ok && write(fd, "\n", 1) == 1 ? 0 : -1;
}

/*
 * Loads the shim, from the installed directory or, for a daemon run from the
 * build tree, from next to it. It stays loaded for the life of the process:
 * CivetWeb finds it by name whenever it loads OpenSSL.
 */
static void load_compat(void)
{
	static void *shim;
	if (shim)
		return;
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", LW_COMPAT_DIR, COMPAT_SO);
	shim = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	char exe[4096];
	ssize_t n = shim ? -1 : readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/core/compat/.libs/%s", exe, COMPAT_SO);
		shim = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	}
	if (shim)
		lw_log(LW_LOG_INFO, "http: OpenSSL for CivetWeb through %s", path);
}

/* 0 when the OpenSSL that CivetWeb will load has what it calls. */
static int openssl_usable(char *err, size_t errlen)
{
	/* First, before anything loads the real libssl.so under that name: the
	 * shim forwards everything else to OpenSSL 3, so it is harmless where
	 * it is not needed, and it cannot load where there is no OpenSSL 3. */
	load_compat();
	void *ssl = dlopen("libssl.so", RTLD_LAZY | RTLD_LOCAL);
	if (!ssl) {
		snprintf(err, errlen, "[http] HTTPS needs OpenSSL as libssl.so (Debian: the package "
		                      "libssl-dev): %s", dlerror());
		return -1;
	}
	int ok = dlsym(ssl, "SSL_get_peer_certificate") != NULL;
	dlclose(ssl);
	if (!ok) {
		snprintf(err, errlen, "[http] HTTPS is not possible with this CivetWeb and OpenSSL 3: "
		                      "CivetWeb calls SSL_get_peer_certificate, which libssl.so "
		                      "lacks (it would crash at the first request), and "
		                      "%s/%s is missing", LW_COMPAT_DIR, COMPAT_SO);
		return -1;
	}
	return 0;
}

int lw_http_tls_setup(struct lw_http *h, char *pem, size_t pemlen, char *err, size_t errlen)
{
	const struct lw_config *cfg = h->d->cfg;
	pem[0] = '\0';
	if (!cfg->http_certificate && !cfg->http_private_key)
		return 0;
	if (!cfg->http_certificate || !cfg->http_private_key) {
		snprintf(err, errlen, "[http] %s needs [http] %s",
		         cfg->http_certificate ? "certificate" : "private_key",
		         cfg->http_certificate ? "private_key" : "certificate");
		return -1;
	}
	gnutls_certificate_credentials_t cred;
	if (gnutls_certificate_allocate_credentials(&cred) != 0) {
		snprintf(err, errlen, "[http] out of memory");
		return -1;
	}
	int rc = gnutls_certificate_set_x509_key_file(cred, cfg->http_certificate,
	                                              cfg->http_private_key, GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (rc < 0) {
		snprintf(err, errlen, "[http] certificate %s and private_key %s: %s",
		         cfg->http_certificate, cfg->http_private_key, gnutls_strerror(rc));
		return -1;
	}
	if (openssl_usable(err, errlen) != 0)
		return -1;
	snprintf(pem, pemlen, "%s/https.pem", cfg->state_dir);
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", pem);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "[http] cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	int ok = append_file(fd, cfg->http_private_key) == 0 &&
	         append_file(fd, cfg->http_certificate) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, pem) != 0) {
		snprintf(err, errlen, "[http] cannot write %s: %s", pem, strerror(errno));
		unlink(tmp);
		return -1;
	}
	h->tls = 1;
	return 0;
}
