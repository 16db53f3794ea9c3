import AsyncHTTPClient
import CacheCore
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import UpstashREST

/// Sends batches of commands over HTTP (keep-alive pool) and resolves each caller's slot.
final class RESTTransport: Sendable {
    private let endpoint: RESTEndpoint
    private let configuration: VercelKVStore.Configuration
    private let client: Mutex<HTTPClient?>
    private let gate: AuthenticationGate
    private let logger: Logger
    private let pipelineURL: String

    init(endpoint: RESTEndpoint, configuration: VercelKVStore.Configuration, logger: Logger) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.logger = logger
        self.gate = AuthenticationGate(backoff: configuration.authenticationBackoff)
        self.pipelineURL = endpoint.url + "/pipeline"
        self.client = Mutex(Self.makeClient(configuration))
    }

    private static func makeClient(_ configuration: VercelKVStore.Configuration) -> HTTPClient {
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(55),
            concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maximumConcurrentRequests
        )
        // A refused connection fails its request at once (classified `connection_refused`) instead of
        // being retried until the deadline and reported as a timeout; the cache falls back either way.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        clientConfiguration.decompression = .disabled
        clientConfiguration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
    }

    /// Fails fast while the token is known to be refused.
    func checkGate() throws(KVError) { try gate.check() }

    /// Shuts the HTTP client down; later batches fail with ``KVError/Code/shutDown``.
    func shutdown() async {
        let current = client.withLock { client -> HTTPClient? in
            defer { client = nil }
            return client
        }
        try? await current?.shutdown()
    }

    /// Closes every pooled connection by replacing the client: after a reply failed its check, no
    /// connection it might have come on is trusted again.
    private func recycleClient() {
        let old = client.withLock { client -> HTTPClient? in
            guard let old = client else { return nil }
            client = Self.makeClient(configuration)
            return old
        }
        if let old { Task { try? await old.shutdown() } }
    }

    /// Performs one request for `batch` and resolves every slot in it.
    func send(_ batch: [PendingCommand]) async {
        guard let current = client.withLock({ $0 }) else {
            resolveAll(batch, .failure(KVError(.shutDown, "the REST store was shut down")))
            return
        }
        let pipelined = batch.count > 1
        var body: [UInt8] = []
        if pipelined {
            body.append(UInt8(ascii: "["))
            for (position, pending) in batch.enumerated() {
                if position > 0 { body.append(UInt8(ascii: ",")) }
                pending.command.writeJSON(into: &body)
            }
            body.append(UInt8(ascii: "]"))
        } else {
            batch[0].command.writeJSON(into: &body)
        }
        var request = HTTPClientRequest(url: pipelined ? pipelineURL : endpoint.url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
        request.headers.add(name: "Upstash-Encoding", value: "base64")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let latest = batch.map(\.deadline).max()!
        let remaining = ContinuousClock.now.duration(to: latest)
        guard remaining > .zero else {
            resolveAll(batch, .failure(KVError(.timeout, "deadline passed before the request was sent")))
            return
        }
        let deadline = NIODeadline.now() + .nanoseconds(Int64(remaining.nanosecondsClamped))
        let status: HTTPResponseStatus
        let bytes: ByteBuffer
        do {
            let response = try await current.execute(request, deadline: deadline, logger: nil)
            status = response.status
            bytes = try await Self.collect(response.body, upTo: configuration.maximumResponseBytes, deadline: latest)
        } catch {
            resolveAll(batch, .failure(KVError(classifying: error)))
            return
        }
        let replies = RESTResponseDecoder.decode(
            status: status.code, body: bytes.readableBytesView, commandCount: batch.count, pipelined: pipelined)
        switch replies {
        case .failure(let error):
            if error.code == .authentication { gate.refused(status: status.code, logger: logger) }
            resolveAll(batch, .failure(error))
        case .success(let results):
            for (pending, result) in zip(batch, results) {
                guard let check = pending.check, case .success(let value) = result else { continue }
                if !check(value) {
                    // A reply that is not the answer to its own command: nothing in this batch is trusted,
                    // and neither is any pooled connection.
                    logger.error("cache_kv_reply_mismatch", metadata: ["backend": "rest", "command": "\(pending.command.name)"])
                    recycleClient()
                    resolveAll(batch, .failure(KVError(.protocolError, "a reply failed its check: replies paired with the wrong commands")))
                    return
                }
            }
            for (pending, result) in zip(batch, results) { pending.slot.resolve(result) }
        }
    }

    private func resolveAll(_ batch: [PendingCommand], _ reply: ReplySlot.Reply) {
        for pending in batch { pending.slot.resolve(reply) }
    }
}

extension Duration {
    /// The duration in nanoseconds, clamped to `Int64`.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        guard seconds < Int64.max / 1_000_000_000 else { return .max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
