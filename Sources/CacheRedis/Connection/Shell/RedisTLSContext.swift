import CacheCore
import COpenSSL

/// An OpenSSL client context for one connection's `rediss://` endpoint, created on its I/O thread: the
/// trust anchors (the system store, or the `ssl_ca_certs` bundle) and whether the server is verified.
final class RedisTLSContext {
    let pointer: OpaquePointer
    let settings: RedisEndpoint.TLS

    /// Creates the context; fails with ``KVError/Code/tls`` when the CA file cannot be loaded.
    init(settings: RedisEndpoint.TLS) throws(KVError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw KVError(.tls, "could not create a TLS context: \(Self.lastErrorText())")
        }
        self.pointer = context
        self.settings = settings
        _ = copenssl_set_min_tls12(context)
        copenssl_set_nonblocking_modes(context)
        guard settings.verifyPeer else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
            return
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let path = settings.caCertificatesPath {
            guard SSL_CTX_load_verify_locations(context, path, nil) == 1 else {
                throw KVError(.tls, "could not load the CA certificates in ssl_ca_certs=\(path): \(Self.lastErrorText())")
            }
        } else if SSL_CTX_set_default_verify_paths(context) != 1 {
            throw KVError(.tls, "could not load the system trust store: \(Self.lastErrorText())")
        }
    }

    deinit { SSL_CTX_free(pointer) }

    /// A session for one connection on `descriptor`, with SNI and host name (or IP) verification for `host`.
    func makeSession(descriptor: Int32, host: String) throws(KVError) -> OpaquePointer {
        guard let ssl = SSL_new(pointer) else { throw KVError(.tls, "could not create a TLS session: \(Self.lastErrorText())") }
        SSL_set_fd(ssl, descriptor)
        SSL_set_connect_state(ssl)
        let isAddressLiteral = RedisSocketAddress(numericHost: host, port: 0) != nil
        // SNI carries names only (RFC 6066), never an address literal.
        if !isAddressLiteral { _ = copenssl_set_sni(ssl, host) }
        if settings.verifyPeer {
            let ok = isAddressLiteral
                ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1
                : SSL_set1_host(ssl, host) == 1
            guard ok else {
                SSL_free(ssl)
                throw KVError(.tls, "could not set the expected server name '\(host)'")
            }
        }
        return ssl
    }

    /// The oldest error on this thread's OpenSSL error queue, as text (the queue is cleared).
    static func lastErrorText() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "no OpenSSL error recorded" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
