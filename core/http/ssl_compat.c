/*
 * http/ssl_compat.c: a tiny shared object that lets Debian 12's CivetWeb 1.15
 * serve HTTPS over OpenSSL 3 (see tls.c). CivetWeb dlopen()s "libssl.so" and
 * looks up SSL_get_peer_certificate, which OpenSSL 3 renamed
 * SSL_get1_peer_certificate (same contract: a reference the caller frees).
 * This object's SONAME is libssl.so and it needs the real libssl.so.3: once
 * the daemon has loaded it, the dynamic linker hands it to CivetWeb's
 * dlopen("libssl.so"), whose lookups then find the old name here and every
 * other function in OpenSSL itself.
 */
typedef struct ssl_st SSL;
typedef struct x509_st X509;

X509 *SSL_get1_peer_certificate(const SSL *s);
__attribute__((visibility("default"))) X509 *SSL_get_peer_certificate(const SSL *s);

X509 *SSL_get_peer_certificate(const SSL *s)
{
	return SSL_get1_peer_certificate(s);
}
