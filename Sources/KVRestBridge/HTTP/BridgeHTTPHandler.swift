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
///
/// The common requests never become `String`s or JSON values: ``FastRequestReader`` encodes their
/// commands from the URI's and body's bytes, the token is compared from the header's bytes, and
/// ``ReplyJSONWriter`` writes `{"result":…}` from Redis's reply bytes into the response buffer. Anything
/// else takes the general path (``BridgeRequest``), which answers exactly as before.
final class BridgeHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let configuration: BridgeConfiguration
    private let token: BearerToken?
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
    /// Where each request's commands are read, kept across requests so reading allocates nothing; lent
    /// to the request's ``RESPCommandGroup`` (and `nil`) while it reads.
    private var scratch: ByteBuffer?

    init(configuration: BridgeConfiguration, faults: BridgeFaults, redis: SharedRedisConnections, logger: Logger) {
        self.configuration = configuration
        self.token = configuration.token.map(BearerToken.init)
        self.faults = faults
        self.sharedConnections = redis
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        scratch = context.channel.allocator.buffer(capacity: 256)
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
            let bytes = body ?? ByteBuffer()
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

    private func handle(_ requestHead: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        switch requestHead.method {
        case .GET, .HEAD, .POST, .PUT: break
        default:
            write(.methodNotAllowed, head: requestHead, context: context)
            return
        }
        var uri = requestHead.uri
        let hasQuery = uri.utf8.contains(UInt8(ascii: "?"))
        if let token {
            let bearer = requestHead.headers.first(name: "authorization").map { token.matches(authorization: $0) } ?? false
            guard bearer || (hasQuery && queryToken(uri).map { token.matches($0) } == true) else {
                write(.unauthorized, head: requestHead, context: context)
                return
            }
        }
        if let injected = faults.next() {
            inject(injected, head: requestHead, context: context)
            return
        }
        let base64 = requestHead.headers.first(name: "upstash-encoding").map(Self.isBase64) ?? false
        let lent = scratch ?? context.channel.allocator.buffer(capacity: 256)
        scratch = nil
        var group = RESPCommandGroup(allocator: context.channel.allocator, scratch: consume lent)
        let fast = uri.withUTF8 { uriBytes in
            body.withUnsafeReadableBytes { bodyBytes in
                FastRequestReader.read(uri: UnsafeRawBufferPointer(uriBytes), body: bodyBytes, into: &group)
            }
        }
        let kind: BridgeRequest.Kind
        if let fast {
            kind = fast
        } else {
            // The general path, from a fresh group (the fast reader may have left half a request in it).
            group = RESPCommandGroup(allocator: context.channel.allocator, scratch: group.releaseScratch())
            switch parseGeneral(uri: uri, body: body) {
            case .failure(let response):
                scratch = group.releaseScratch()
                write(response, head: requestHead, context: context)
                return
            case .success(let request):
                request.encode(into: &group)
                kind = request.kind
            }
        }
        scratch = group.releaseScratch()
        execute(kind, group, base64: base64, head: requestHead, context: context)
    }

    /// The `_token` query parameter, decoded.
    private func queryToken(_ uri: String) -> String? {
        guard let questionMark = uri.firstIndex(of: "?") else { return nil }
        return BridgeRequest.queryItems(uri[uri.index(after: questionMark)...]).first { $0.0 == "_token" }?.1
    }

    /// Routes through ``BridgeRequest``: any path, query parameters, escapes, and exact parse errors.
    private func parseGeneral(uri: String, body: ByteBuffer) -> Result<BridgeRequest, BridgeResponse> {
        let questionMark = uri.firstIndex(of: "?")
        let path = String(uri[..<(questionMark ?? uri.endIndex)])
        var query = questionMark.map { BridgeRequest.queryItems(uri[uri.index(after: $0)...]) } ?? []
        query.removeAll { $0.0 == "_token" }
        return BridgeRequest.parse(path: path, query: query, body: Array(body.readableBytesView))
    }

    private static func isBase64(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { CommandPolicy.equalsIgnoringCase(UnsafeRawBufferPointer($0), "BASE64") }
    }

    private func execute(
        _ kind: BridgeRequest.Kind, _ group: RESPCommandGroup, base64: Bool, head: HTTPRequestHead, context: ChannelHandlerContext
    ) {
        if kind != .pipeline, let refusal = group.refusals.first {
            write(.error(400, refusal.message), head: head, context: context)
            return
        }
        guard group.count > 0 else {
            // Every command of a pipeline refused: nothing to ask Redis.
            respond(kind, group: group, replies: ByteBuffer(), base64: base64, head: head, context: context)
            return
        }
        guard let redis else { return }
        redis.send(group.encoded, count: group.count) { result in
            guard self.active else { return }
            switch result {
            case .success(let replies):
                self.respond(kind, group: group, replies: replies, base64: base64, head: head, context: context)
            case .failure(let error):
                self.logger.warning("bridge_redis_error", metadata: ["error": "\(error)"])
                self.write(.error(500, "ERR redis-server unavailable: \(error)"), head: head, context: context)
            }
        }
    }

    /// Writes the answer to a request from Redis's replies to its group.
    private func respond(
        _ kind: BridgeRequest.Kind, group: RESPCommandGroup, replies: ByteBuffer, base64: Bool,
        head: HTTPRequestHead, context: ChannelHandlerContext
    ) {
        var output = context.channel.allocator.buffer(capacity: replies.readableBytes * (base64 ? 2 : 1) + 32)
        let status = replies.withUnsafeReadableBytes { raw -> Int in
            var reader = ReplyJSONWriter(replies: raw, base64: base64)
            switch kind {
            case .single:
                let failed = reader.nextIsError
                reader.writeResultObject(into: &output)
                return failed ? 400 : 200
            case .pipeline:
                output.writeInteger(UInt8(ascii: "["))
                var refusals = group.refusals[...]
                for index in 0..<group.total {
                    if index > 0 { output.writeInteger(UInt8(ascii: ",")) }
                    if let refusal = refusals.first, refusal.index == index {
                        refusals.removeFirst()
                        output.writeStaticString(#"{"error":"#)
                        JSONWriter.writeString(refusal.message, into: &output)
                        output.writeInteger(UInt8(ascii: "}"))
                    } else {
                        reader.writeResultObject(into: &output)
                    }
                }
                output.writeInteger(UInt8(ascii: "]"))
                return 200
            case .multiExec:
                // MULTI's OK and a QUEUED per command, then EXEC's answer.
                for _ in 0..<(group.count - 1) { reader.skip() }
                if reader.nextIsError {
                    reader.writeResultObject(into: &output)
                    return 400
                }
                guard let results = reader.enterArray() else {
                    output.writeStaticString(#"{"error":"ERR transaction discarded"}"#)
                    return 400
                }
                output.writeInteger(UInt8(ascii: "["))
                for index in 0..<results {
                    if index > 0 { output.writeInteger(UInt8(ascii: ",")) }
                    reader.writeResultObject(into: &output)
                }
                output.writeInteger(UInt8(ascii: "]"))
                return 200
            }
        }
        writeRaw(status: status, body: output, head: head, context: context)
    }

    // MARK: - Faults (test-only; see BridgeFaults)

    private func inject(_ fault: BridgeFault, head: HTTPRequestHead, context: ChannelHandlerContext) {
        switch fault {
        case .status(let code):
            write(.error(code, "injected fault: HTTP \(code)"), head: head, context: context)
        case .malformedBody:
            writeRaw(status: 200, body: ByteBuffer(string: #"{"result": ["#), head: head, context: context)
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
        writeRaw(status: response.status, body: ByteBuffer(bytes: JSONWriter.bytes(response.body)), head: head, context: context)
    }

    private func writeRaw(status: Int, body: ByteBuffer, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(body.readableBytes))])
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
