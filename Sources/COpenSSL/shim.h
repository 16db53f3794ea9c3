#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
// The system OpenSSL (Debian: libssl-dev), the library hiredis 1.x uses for its own TLS. Several of the
// calls the Redis tier needs are macros in OpenSSL's headers, which Swift cannot import: these inline
// wrappers give them a callable name.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

/// SNI: the host name sent in the ClientHello (SSL_set_tlsext_host_name is a macro).
static inline int copenssl_set_sni(SSL *ssl, const char *host) {
    return (int)SSL_set_tlsext_host_name(ssl, host);
}

/// TLS 1.2 as the oldest version accepted (SSL_CTX_set_min_proto_version is a macro).
static inline int copenssl_set_min_tls12(SSL_CTX *context) {
    return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

/// Partial writes and a moving write buffer, so a non-blocking SSL_write may be retried with a buffer
/// that has grown since (SSL_CTX_set_mode is a macro).
static inline void copenssl_set_nonblocking_modes(SSL_CTX *context) {
    SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}
#endif
