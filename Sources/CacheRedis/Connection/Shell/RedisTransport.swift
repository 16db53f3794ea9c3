import CacheCore
import COpenSSL

#if canImport(Glibc)
import Glibc
#endif

/// One connection's socket and, for `rediss://`, its TLS session: non-blocking connect, handshake, read and
/// write, each returning at once with what it could do. Owned by the I/O thread.
final class RedisTransport {
    /// What a non-blocking step needs to continue.
    enum Progress: Equatable {
        case done
        case wantRead
        case wantWrite
    }

    /// The outcome of a read.
    enum ReadResult {
        case bytes(Int)
        case wouldBlock
        case closed(KVError)
    }

    let descriptor: Int32
    private(set) var session: OpaquePointer?
    /// A TLS read that needs the socket writable (renegotiation, key update) sets this.
    private(set) var readWantsWrite = false
    private var closed = false

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close() }

    /// Starts a non-blocking connect to `address`. `.done` when it connected at once (unix sockets),
    /// `.wantWrite` while under way (see ``finishConnect()``).
    static func connect(to address: RedisSocketAddress) -> Result<(RedisTransport, Progress), KVError> {
        let descriptor = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return .failure(KVError(.connectionRefused, "socket(): \(String(cString: strerror(errno)))")) }
        let transport = RedisTransport(descriptor: descriptor)
        let status = address.withSocketAddress { Glibc.connect(descriptor, $0, $1) }
        if status == 0 {
            transport.configureConnected(family: address.family)
            return .success((transport, .done))
        }
        if errno == EINPROGRESS { return .success((transport, .wantWrite)) }
        return .failure(KVError(.connectionRefused, "connect to \(address) failed: \(String(cString: strerror(errno)))"))
    }

    /// After the socket turned writable: the connect's outcome.
    func finishConnect(family: Int32) -> KVError? {
        var socketError: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &socketError, &length) != 0 { socketError = errno }
        if socketError != 0 { return KVError(.connectionRefused, "connect failed: \(String(cString: strerror(socketError)))") }
        configureConnected(family: family)
        return nil
    }

    private func configureConnected(family: Int32) {
        guard family == AF_INET || family == AF_INET6 else { return }
        var one: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    // MARK: - TLS

    /// Starts TLS on the connected socket.
    func startTLS(context: RedisTLSContext, host: String) throws(KVError) {
        session = try context.makeSession(descriptor: descriptor, host: host)
    }

    /// Advances the TLS handshake.
    func continueHandshake() -> Result<Progress, KVError> {
        guard let session else { return .success(.done) }
        ERR_clear_error()
        let status = SSL_do_handshake(session)
        if status == 1 { return .success(.done) }
        let error = SSL_get_error(session, status)
        switch error {
        case SSL_ERROR_WANT_READ: return .success(.wantRead)
        case SSL_ERROR_WANT_WRITE: return .success(.wantWrite)
        default:
            let verification = SSL_get_verify_result(session)
            if verification != X509_V_OK {
                let reason = String(cString: X509_verify_cert_error_string(verification))
                return .failure(KVError(.tls, "the server's certificate was not accepted: \(reason)"))
            }
            if error == SSL_ERROR_SYSCALL || error == SSL_ERROR_ZERO_RETURN, ERR_peek_error() == 0 {
                return .failure(KVError(.tls, "the server closed the connection during the TLS handshake (is this a TLS port?)"))
            }
            return .failure(KVError(.tls, "TLS handshake failed: \(RedisTLSContext.lastErrorText())"))
        }
    }

    // MARK: - Data

    /// Reads what is available into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        guard let session else {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .closed(KVError(.connectionReset, "connection closed by the server")) }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .wouldBlock }
            return .closed(KVError(.connectionReset, "read failed: \(String(cString: strerror(errno)))"))
        }
        readWantsWrite = false
        ERR_clear_error()
        let count = SSL_read(session, buffer.baseAddress, Int32(clamping: buffer.count))
        if count > 0 { return .bytes(Int(count)) }
        switch SSL_get_error(session, count) {
        case SSL_ERROR_WANT_READ: return .wouldBlock
        case SSL_ERROR_WANT_WRITE:
            readWantsWrite = true
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN: return .closed(KVError(.connectionReset, "the server closed the TLS session"))
        case SSL_ERROR_SYSCALL: return .closed(KVError(.connectionReset, "connection lost under TLS"))
        default: return .closed(KVError(.tls, "TLS read failed: \(RedisTLSContext.lastErrorText())"))
        }
    }

    /// Whether the transport runs TLS (whose session only the I/O thread may use).
    var isTLS: Bool { session != nil }

    /// Whether a TLS session holds decrypted bytes not read yet (they will not show up in `poll`).
    var hasBufferedInput: Bool {
        guard let session else { return false }
        return SSL_pending(session) > 0
    }

    /// Writes as much of `bytes` as the socket takes; returns the count (0 when it would block).
    func write(_ bytes: UnsafeRawBufferPointer) -> Result<Int, KVError> {
        guard let session else {
            let count = Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .success(count) }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .success(0) }
            return .failure(KVError(.connectionReset, "write failed: \(String(cString: strerror(errno)))"))
        }
        ERR_clear_error()
        let count = SSL_write(session, bytes.baseAddress, Int32(clamping: bytes.count))
        if count > 0 { return .success(Int(count)) }
        switch SSL_get_error(session, count) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .success(0)
        case SSL_ERROR_ZERO_RETURN, SSL_ERROR_SYSCALL: return .failure(KVError(.connectionReset, "connection lost under TLS"))
        default: return .failure(KVError(.tls, "TLS write failed: \(RedisTLSContext.lastErrorText())"))
        }
    }

    /// Closes the socket and frees the TLS session (without a close_notify: the peer may be gone).
    func close() {
        guard !closed else { return }
        closed = true
        if let session { SSL_free(session) }
        session = nil
        Glibc.close(descriptor)
    }
}
