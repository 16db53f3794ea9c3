import CacheCore
import Logging
import NIOCore
import NIOHTTP1
import UpstashREST

/// Serves the Upstash REST API on one HTTP connection, forwarding to the Redis connection its event loop
/// shares with the other HTTP connections there (``SharedRedisConnection``: no thread hop, and the
/// commands of many requests leave in one write).
///
/// NIO's pipelining assistance (installed by ``BridgeServer``) hands this handler one request at a time,
/// so replies go out in request order.
final class BridgeHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let configuration: BridgeConfiguration
    private let faults: BridgeFaults
    private let logger: Logger
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false
    private let sharedConnections: SharedRedisConnections
    /// Set in `handlerAdded`: the loop's shared connection, or one of this handler's own (`ownsRedis`).
    private var redis: SharedRedisConnection?
    private var ownsRedis = false
    private var active = true

    init(configuration: BridgeConfiguration, faults: BridgeFaults, redis: SharedRedisConnections, logger: Logger) {
        self.configuration = configuration
        self.faults = faults
        self.sharedConnections = redis
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if let shared = sharedConnections.connection(on: context.eventLoop) {
            redis = shared
        } else {
            redis = SharedRedisConnection(endpoint: configuration.redis, eventLoop: context.eventLoop)
            ownsRedis = true
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = nil
            tooLarge = false
        case .body(var chunk):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > configuration.maximumBodyBytes {
                tooLarge = true
                body = nil
                return
            }
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            body = nil
            if tooLarge {
                write(.error(413, "ERR request body too large"), head: requestHead, context: context)
                return
            }
            handle(requestHead, body: bytes, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A reply that arrives later has nobody to go to.
        active = false
        if ownsRedis { redis?.shutdown() }
        context.fireChannelInactive()
    }

    // MARK: - Requests

    private func handle(_ requestHead: HTTPRequestHead, body: [UInt8], context: ChannelHandlerContext) {
        switch requestHead.method {
        case .GET, .HEAD, .POST, .PUT: break
        default:
            write(.methodNotAllowed, head: requestHead, context: context)
            return
        }
        let uri = requestHead.uri
        let questionMark = uri.firstIndex(of: "?")
        let path = String(uri[..<(questionMark ?? uri.endIndex)])
        var query = questionMark.map { BridgeRequest.queryItems(uri[uri.index(after: $0)...]) } ?? []
        let queryToken = query.first { $0.0 == "_token" }?.1
        query.removeAll { $0.0 == "_token" }
        if let token = configuration.token {
            let bearer = requestHead.headers.first(name: "authorization").flatMap { value -> String? in
                let parts = value.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
                return String(parts[1])
            }
            guard bearer == token || queryToken == token else {
                write(.unauthorized, head: requestHead, context: context)
                return
            }
        }
        if let injected = faults.next() {
            inject(injected, head: requestHead, context: context)
            return
        }
        let base64 = requestHead.headers.first(name: "upstash-encoding")?.lowercased() == "base64"
        switch BridgeRequest.parse(path: path, query: query, body: body) {
        case .failure(let response):
            write(response, head: requestHead, context: context)
        case .success(let request):
            execute(request, base64: base64, head: requestHead, context: context)
        }
    }

    private func execute(_ request: BridgeRequest, base64: Bool, head: HTTPRequestHead, context: ChannelHandlerContext) {
        switch request {
        case .single(let command):
            if let refusal = CommandPolicy.refusal(for: command) {
                write(.error(400, refusal), head: head, context: context)
                return
            }
            run([command], head: head, context: context) { replies in
                switch replies[0] {
                case .error(let text): return .error(400, text)
                case let value: return BridgeResponse(status: 200, body: .object(["result": ReplyEncoding.json(value, base64: base64)]))
                }
            }
        case .pipeline(let commands):
            // Refused commands answer their own error in place; the others still run, as Upstash does.
            let refusals = commands.map(CommandPolicy.refusal(for:))
            let allowed = zip(commands, refusals).compactMap { $1 == nil ? $0 : nil }
            run(allowed, head: head, context: context) { replies in
                var remaining = replies[...]
                let results = refusals.map { refusal -> JSONValue in
                    if let refusal { return .object(["error": .string(refusal)]) }
                    return ReplyEncoding.resultObject(remaining.popFirst()!, base64: base64)
                }
                return BridgeResponse(status: 200, body: .array(results))
            }
        case .multiExec(let commands):
            if let refusal = commands.lazy.compactMap(CommandPolicy.refusal(for:)).first {
                write(.error(400, refusal), head: head, context: context)
                return
            }
            let wrapped = [[Array("MULTI".utf8)]] + commands + [[Array("EXEC".utf8)]]
            run(wrapped, head: head, context: context) { replies in
                switch replies.last! {
                case .array(.some(let results)):
                    return BridgeResponse(status: 200, body: .array(results.map { ReplyEncoding.resultObject($0, base64: base64) }))
                case .error(let text):
                    return .error(400, text)
                default:
                    return .error(400, "ERR transaction discarded")
                }
            }
        }
    }

    /// Sends `commands` on the loop's shared Redis connection and writes what `respond` makes of the
    /// replies. A failure of Redis itself answers 500.
    private func run(
        _ commands: [[[UInt8]]],
        head: HTTPRequestHead,
        context: ChannelHandlerContext,
        respond: @escaping ([RESPValue]) -> BridgeResponse
    ) {
        guard !commands.isEmpty, let redis else {
            write(respond([]), head: head, context: context)
            return
        }
        redis.send(commands).assumeIsolated().whenComplete { result in
            guard self.active else { return }
            switch result {
            case .success(let replies):
                self.write(respond(replies), head: head, context: context)
            case .failure(let error):
                self.logger.warning("bridge_redis_error", metadata: ["error": "\(error)"])
                self.write(.error(500, "ERR redis-server unavailable: \(error)"), head: head, context: context)
            }
        }
    }

    // MARK: - Faults (test-only; see BridgeFaults)

    private func inject(_ fault: BridgeFault, head: HTTPRequestHead, context: ChannelHandlerContext) {
        switch fault {
        case .status(let code):
            write(.error(code, "injected fault: HTTP \(code)"), head: head, context: context)
        case .malformedBody:
            writeRaw(status: 200, body: Array(#"{"result": ["#.utf8), head: head, context: context)
        case .neverRespond:
            return
        case .trickle(let interval):
            trickle(body: Array(#"{"result":null}"#.utf8), interval: interval, head: head, context: context)
        }
    }

    private func trickle(body: [UInt8], interval: TimeAmount, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
        func step(_ index: Int) {
            guard index < body.count else {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: [body[index]])))), promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: interval) { step(index + 1) }
        }
        step(0)
    }

    // MARK: - Responses

    private func write(_ response: BridgeResponse, head: HTTPRequestHead, context: ChannelHandlerContext) {
        writeRaw(status: response.status, body: JSONWriter.bytes(response.body), head: head, context: context)
    }

    private func writeRaw(status: Int, body: [UInt8], head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
