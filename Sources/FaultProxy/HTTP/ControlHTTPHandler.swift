import NIOCore
import NIOHTTP1

/// Collects one HTTP request, hands it to the `ControlAPI` and writes the answer. A bad request gets an error answer
/// and the connection keeps serving (unless the client asked to close it).
final class ControlHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Bodies above this size are refused; the API's bodies are a few hundred bytes.
    private static let maximumBodySize = 4 << 20

    private let api: ControlAPI
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(api: ControlAPI) {
        self.api = api
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
            tooLarge = false
            if head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                // curl asks before sending bodies over 1 KiB; without this it waits a second.
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        case .body(var chunk):
            if body.count + chunk.readableBytes > Self.maximumBodySize {
                tooLarge = true
            } else if !tooLarge {
                body += chunk.readBytes(length: chunk.readableBytes) ?? []
            }
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, head: head)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let channel = context.channel
        let keepAlive = head.isKeepAlive
        let version = head.version
        if tooLarge {
            Self.write(.failure(FaultProxyError(status: 413, message: "request body too large")),
                       to: channel, version: version, keepAlive: keepAlive)
            return
        }
        Self.answer(
            api: api, method: head.method.rawValue, uri: head.uri, body: body, channel: channel, version: version,
            keepAlive: keepAlive)
    }

    private static func answer(
        api: ControlAPI, method: String, uri: String, body: [UInt8], channel: any Channel, version: HTTPVersion,
        keepAlive: Bool
    ) {
        Task {
            let response = await api.handle(method: method, uri: uri, body: body)
            write(response, to: channel, version: version, keepAlive: keepAlive)
        }
    }

    private static func write(_ response: ControlResponse, to channel: any Channel, version: HTTPVersion, keepAlive: Bool) {
        var headers = HTTPHeaders()
        if !response.body.isEmpty {
            headers.add(name: "Content-Type", value: "application/json")
        }
        headers.add(name: "Content-Length", value: String(response.body.count))
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        }
        let status = HTTPResponseStatus(statusCode: response.status)
        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: version, status: status, headers: headers)),
                      promise: nil)
        if !response.body.isEmpty {
            channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: response.body))), promise: nil)
        }
        let done = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        if !keepAlive {
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed request: answer 400 when possible, then drop the connection (the parser cannot resync).
        if error is HTTPParserError {
            Self.write(.failure(.badRequest("malformed HTTP request")), to: context.channel,
                       version: .http1_1, keepAlive: false)
        } else {
            context.close(promise: nil)
        }
    }
}
