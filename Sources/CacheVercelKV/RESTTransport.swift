import AsyncHTTPClient
import CacheCore
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import UpstashREST

/// Sends batches of commands over HTTP (keep-alive pool) and resolves each caller's slot.
///
/// On the event loop from end to end: the request is a copy of a template whose URL was parsed once, its
/// body is written straight into a `ByteBuffer`, and the response is decoded in the completion callback
/// of the client's future, so a batch costs no task and no async body stream.
final class RESTTransport: Sendable {
    private let endpoint: RESTEndpoint
    private let configuration: VercelKVStore.Configuration
    private let client: Mutex<HTTPClient?>
    private let gate: AuthenticationGate
    private let logger: Logger
    /// `POST <url>` and `POST <url>/pipeline` with the headers every request carries; `nil` when the
    /// client refuses the URL (every batch then fails with that error).
    private let single: Result<HTTPClient.Request, KVError>
    private let pipeline: Result<HTTPClient.Request, KVError>
    private let allocator = ByteBufferAllocator()
    private let requestsSent = Atomic<Int>(0)
    private let commandsSent = Atomic<Int>(0)

    /// Requests sent so far and the commands they carried.
    var statistics: RESTRequestStatistics {
        RESTRequestStatistics(requests: requestsSent.load(ordering: .relaxed), commands: commandsSent.load(ordering: .relaxed))
    }

    init(endpoint: RESTEndpoint, configuration: VercelKVStore.Configuration, logger: Logger) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.logger = logger
        self.gate = AuthenticationGate(backoff: configuration.authenticationBackoff)
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
        headers.add(name: "Upstash-Encoding", value: "base64")
        headers.add(name: "Content-Type", value: "application/json")
        func template(_ url: String) -> Result<HTTPClient.Request, KVError> {
            Result { try HTTPClient.Request(url: url, method: .POST, headers: headers, body: nil, tlsConfiguration: nil) }
                .mapError { KVError(.protocolError, "the HTTP client refused the URL \(endpoint.redactedURL): \($0)") }
        }
        self.single = template(endpoint.url)
        self.pipeline = template(endpoint.url + "/pipeline")
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

    /// Performs one request for `batch`, resolves every slot in it, then calls `completion`.
    func send(_ batch: [PendingCommand], completion: @escaping @Sendable () -> Void) {
        guard let current = client.withLock({ $0 }) else {
            resolveAll(batch, .failure(KVError(.shutDown, "the REST store was shut down")))
            completion()
            return
        }
        let pipelined = batch.count > 1
        var request: HTTPClient.Request
        switch pipelined ? pipeline : single {
        case .success(let template): request = template
        case .failure(let error):
            resolveAll(batch, .failure(error))
            completion()
            return
        }
        var body = allocator.buffer(capacity: 32 * batch.count + 16)
        if pipelined {
            body.writeInteger(UInt8(ascii: "["))
            for (position, pending) in batch.enumerated() {
                if position > 0 { body.writeInteger(UInt8(ascii: ",")) }
                pending.command.writeJSON(into: &body)
            }
            body.writeInteger(UInt8(ascii: "]"))
        } else {
            batch[0].command.writeJSON(into: &body)
        }
        request.body = .byteBuffer(body)
        var latest = batch[0].deadline
        for pending in batch.dropFirst() where pending.deadline > latest { latest = pending.deadline }
        let remaining = ContinuousClock.now.duration(to: latest)
        guard remaining > .zero else {
            resolveAll(batch, .failure(KVError(.timeout, "deadline passed before the request was sent")))
            completion()
            return
        }
        let deadline = NIODeadline.now() + .nanoseconds(Int64(remaining.nanosecondsClamped))
        requestsSent.add(1, ordering: .relaxed)
        commandsSent.add(batch.count, ordering: .relaxed)
        // The accumulator holds at most 4 GiB (one ByteBuffer).
        let accumulator = ResponseAccumulator(request: request, maxBodySize: min(configuration.maximumResponseBytes, Int(UInt32.max)))
        current.execute(request: request, delegate: accumulator, eventLoop: .indifferent, deadline: deadline, logger: nil).futureResult
            .whenComplete { result in
                switch result {
                case .success(let response):
                    self.deliver(response, to: batch, pipelined: pipelined)
                case .failure(let error):
                    self.resolveAll(batch, .failure(KVError(classifying: error)))
                }
                completion()
            }
    }

    /// Decodes a response and resolves the batch's slots with it.
    private func deliver(_ response: HTTPClient.Response, to batch: [PendingCommand], pipelined: Bool) {
        let status = response.status.code
        let body = response.body ?? ByteBuffer()
        let replies = RESTResponseDecoder.decode(
            status: status, body: body.readableBytesView, commandCount: batch.count, pipelined: pipelined)
        switch replies {
        case .failure(let error):
            if error.code == .authentication { gate.refused(status: status, logger: logger) }
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
