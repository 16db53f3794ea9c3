import CacheCore
import Logging
import UpstashREST

/// The persistent tier over the Upstash REST API: Vercel KV, Upstash Redis, or `kv-rest-bridge` locally.
///
/// Commands are JSON arrays POSTed with `Authorization: Bearer <token>` and `Upstash-Encoding: base64`
/// (so binary values survive) over a keep-alive pool. Concurrent commands share one `/pipeline` request
/// (automatic pipelining, see ``Configuration/automaticPipelining``). Every call returns by its deadline:
/// the caller is answered with a timeout at it, and the request is cancelled when the last of its
/// commands' deadlines passes. A REST reply travels inside its own HTTP response, so a late answer can
/// never be read as another command's reply.
///
/// Failures are classified: 401/403 `auth` (logged once, then failing fast for
/// ``Configuration/authenticationBackoff``), 429 `rate_limited`, 5xx `server_error`, a malformed body
/// `protocol`, and `tls`, `dns`, `timeout`, `connection_refused`, `connection_reset` from the transport.
///
/// With a read-only token (`KV_REST_API_READ_ONLY_TOKEN`) reads are used and writes are skipped: said once
/// in the log when the store is made.
public final class VercelKVStore: KVStore {
    /// The endpoint (its token is never logged).
    public let endpoint: RESTEndpoint
    /// How the store talks to it.
    public let configuration: Configuration
    /// `"rest"`.
    public var backendName: String { "rest" }

    private let transport: RESTTransport
    private let batcher: CommandBatcher
    private let deadlines = DeadlineWatcher()
    private let logger: Logger

    /// Creates a store; nothing is sent until the first call.
    public init(endpoint: RESTEndpoint, configuration: Configuration = .init(), logger: Logger) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.logger = logger
        let transport = RESTTransport(endpoint: endpoint, configuration: configuration, logger: logger)
        self.transport = transport
        self.batcher = CommandBatcher(
            maximumInFlight: configuration.automaticPipelining ? configuration.maximumConcurrentRequests : .max,
            maximumBatchSize: configuration.automaticPipelining ? configuration.maximumBatchSize : 1,
            send: { transport.send($0, completion: $1) }
        )
        if endpoint.readOnly {
            logger.warning("cache_kv_read_only", metadata: [
                "backend": "rest", "url": "\(endpoint.redactedURL)",
                "reason": "only KV_REST_API_READ_ONLY_TOKEN is set: reads are used, writes are skipped",
            ])
        }
    }

    deinit {
        let transport = self.transport
        Task { await transport.shutdown() }
    }

    /// The HTTP requests sent so far and the commands they carried (the batch size automatic pipelining
    /// reaches is their ratio).
    public var requestStatistics: RESTRequestStatistics { transport.statistics }

    /// Runs one command and returns its JSON result (strings in it are base64).
    func run(
        _ command: RESTCommand,
        deadline: ContinuousClock.Instant,
        check: (@Sendable (JSONValue) -> Bool)? = nil
    ) async throws(KVError) -> JSONValue {
        try transport.checkGate()
        guard ContinuousClock.now < deadline else { throw KVError(.timeout, "deadline already passed") }
        let slot = ReplySlot()
        deadlines.watch(slot, until: deadline)
        batcher.submit(PendingCommand(command: command, deadline: deadline, check: check, slot: slot))
        return try await slot.wait().get()
    }

    /// Runs any command given as strings and returns its result with strings decoded from base64; for
    /// tools such as `pcache` (`INFO`, `DBSIZE`). Not part of the cache's path.
    public func command(_ arguments: [String], deadline: ContinuousClock.Instant) async throws(KVError) -> RESTResult {
        RESTResult(decoding: try await run(RESTCommand(arguments), deadline: deadline))
    }

    /// `GETRANGE key 0 maximumBytes` (or `GET` without a limit); see ``KVStore/get(_:maximumBytes:verify:deadline:)``.
    public func get(
        _ key: String,
        maximumBytes: Int,
        verify: KVReplyCheck?,
        deadline: ContinuousClock.Instant
    ) async throws(KVError) -> [UInt8]? {
        // GETRANGE bounds the transfer to maximumBytes + 1 bytes: enough to tell "too large" without
        // loading the value. It reads a missing key and an empty value alike, as the protocol allows.
        let bounded = maximumBytes < Int.max
        let command = bounded
            ? RESTCommand(["GETRANGE", key, "0", String(maximumBytes)])
            : RESTCommand(["GET", key])
        var check: (@Sendable (JSONValue) -> Bool)?
        if let verify {
            check = { @Sendable (value: JSONValue) -> Bool in
                guard case .string(let encoded) = value, let bytes = Base64.decode(encoded) else { return true }
                if bounded, bytes.isEmpty || bytes.count > maximumBytes { return true }
                return verify(bytes)
            }
        }
        let result = try await run(command, deadline: deadline, check: check)
        switch result {
        case .null:
            return nil
        case .string(let encoded):
            guard let bytes = Base64.decode(encoded) else {
                throw KVError(.protocolError, "a value is not base64 although base64 was asked for")
            }
            if bounded {
                if bytes.isEmpty { return nil }
                if bytes.count > maximumBytes {
                    throw KVError(.valueTooLarge, "the stored value is longer than \(maximumBytes) bytes")
                }
            }
            return bytes
        default:
            throw KVError(.protocolError, "GET answered neither a string nor null")
        }
    }

    /// `SET key value PX ttl`; skipped with a read-only token.
    public func set(_ key: String, value: [UInt8], ttl: Duration?, deadline: ContinuousClock.Instant) async throws(KVError) {
        if endpoint.readOnly { return }
        var arguments: [[UInt8]] = [Array("SET".utf8), Array(key.utf8), value]
        if let ttl {
            let milliseconds = max(1, ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000)
            arguments.append(Array("PX".utf8))
            arguments.append(Array(String(milliseconds).utf8))
        }
        let result = try await run(RESTCommand(arguments), deadline: deadline)
        guard RESTResult(decoding: result).isOK else {
            throw KVError(.protocolError, "SET did not answer OK")
        }
    }

    /// `UNLINK` (through the base64 Lua helper for keys that are not valid UTF-8); skipped with a
    /// read-only token (returns 0).
    public func delete(_ keys: [[UInt8]], deadline: ContinuousClock.Instant) async throws(KVError) -> Int {
        if endpoint.readOnly || keys.isEmpty { return 0 }
        let result = try await run(RESTCommand([Array("UNLINK".utf8)] + keys), deadline: deadline)
        guard let count = result.integerValue else { throw KVError(.protocolError, "UNLINK did not answer an integer") }
        return Int(count)
    }

    /// `SCAN cursor MATCH pattern COUNT count`, keys decoded from base64 as raw bytes.
    public func scan(
        cursor: UInt64,
        match pattern: String,
        count: Int,
        deadline: ContinuousClock.Instant
    ) async throws(KVError) -> KVScanPage {
        let command = RESTCommand(["SCAN", String(cursor), "MATCH", pattern, "COUNT", String(max(1, count))])
        let result = try await run(command, deadline: deadline)
        guard let parts = result.arrayValue, parts.count == 2, let keys = parts[1].arrayValue else {
            throw KVError(.protocolError, "SCAN did not answer [cursor, keys]")
        }
        guard case .bytes(let cursorBytes) = RESTResult(decoding: parts[0]),
              let next = UInt64(String(decoding: cursorBytes, as: UTF8.self)) else {
            throw KVError(.protocolError, "SCAN's cursor is not a number")
        }
        var found: [[UInt8]] = []
        found.reserveCapacity(keys.count)
        for key in keys {
            guard case .string(let encoded) = key, let bytes = Base64.decode(encoded) else {
                throw KVError(.protocolError, "a SCAN key is not a base64 string")
            }
            found.append(bytes)
        }
        return KVScanPage(nextCursor: next, keys: found)
    }

    /// `PING`.
    public func ping(deadline: ContinuousClock.Instant) async throws(KVError) {
        let raw = try await run(RESTCommand(["PING"]), deadline: deadline)
        // Upstash encodes the status reply PONG as base64; a server that does not is accepted too.
        guard raw == .string("PONG") || RESTResult(decoding: raw) == .bytes(Array("PONG".utf8)) else {
            throw KVError(.protocolError, "PING did not answer PONG")
        }
    }

    /// Shuts the HTTP client down; later calls fail with ``KVError/Code/shutDown``.
    public func shutdown() async {
        await transport.shutdown()
    }
}
