/// A failure of the persistent tier, classified for logs and metrics.
///
/// ``TieredCache`` never lets one of these reach its caller: it logs `cache_kv_error`, counts the class
/// and answers from memory.
public struct KVError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of a failure. Codes are an open set of static values, so new ones can be added
    /// without breaking a `switch` elsewhere.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A stable, lowercase name used as the `class` dimension in metrics and logs.
        public let name: String

        private init(_ name: String) { self.name = name }

        /// No KV backend is configured (memory-only mode).
        public static let notConfigured = Code("not_configured")
        /// The server could not be reached: connection refused, no route, unknown host, connect timeout.
        public static let connectionRefused = Code("connection_refused")
        /// The reply did not arrive before the deadline.
        public static let timeout = Code("timeout")
        /// The connection was reset or closed by the peer.
        public static let connectionReset = Code("connection_reset")
        /// The reply could not be parsed, or was of an unexpected type.
        public static let protocolError = Code("protocol")
        /// The server refused our credentials (`WRONGPASS`, `NOAUTH`, `NOPERM`).
        public static let authentication = Code("auth")
        /// The server answered with an error such as `OOM`, `READONLY`, `LOADING` or `ERR`.
        public static let serverError = Code("server_error")
        /// A stored value could not be decoded as a cache entry.
        public static let decode = Code("decode")
        /// The request was refused before it was sent: a key or value the backend cannot take.
        public static let invalidRequest = Code("invalid_request")
        /// The stored value is longer than the reader's limit (``CacheConfiguration``'s maximum entry size);
        /// it was not loaded. Not a failure of the KV tier: the cache treats it as a logged miss.
        public static let valueTooLarge = Code("value_too_large")
        /// The TLS handshake failed: the server's certificate was not trusted (wrong CA, wrong host name,
        /// expired) or the server does not speak TLS on that port.
        public static let tls = Code("tls")
        /// The store was shut down.
        public static let shutDown = Code("shut_down")
        /// The circuit breaker is open: the KV tier failed repeatedly and calls fail at once until a probe
        /// succeeds.
        public static let circuitOpen = Code("circuit_open")
        /// The store refused to try.
        public static let unavailable = Code("unavailable")
        /// The service refused the request for its rate or plan limits (HTTP 429): not a miss, and not
        /// a reason to retry at once.
        public static let rateLimited = Code("rate_limited")
        /// The server's host name could not be resolved.
        public static let dns = Code("dns")

        /// The code's name.
        public var description: String { name }
    }

    /// The class of the failure.
    public var code: Code
    /// A human-readable explanation, never containing secrets.
    public var message: String
    /// For ``Code/serverError``: the error prefix the server used (`OOM`, `READONLY`, `LOADING`, `ERR`, …).
    public var serverErrorPrefix: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, serverErrorPrefix: String? = nil) {
        self.code = code
        self.message = message
        self.serverErrorPrefix = serverErrorPrefix
    }

    /// `class: message`, for logs.
    public var description: String { "\(code.name): \(message)" }
}
