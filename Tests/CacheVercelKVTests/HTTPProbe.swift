import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import UpstashREST

/// Sends raw HTTP requests to a bridge and parses the JSON answer.
struct HTTPProbe {
    let baseURL: String

    struct Answer {
        var status: Int
        var body: [UInt8]
        var json: JSONValue? { try? JSONParser.parse(body) }
        var result: JSONValue? { json?[member: "result"] }
        var error: String? { json?[member: "error"]?.stringValue }
    }

    func send(
        _ path: String,
        method: HTTPMethod = .POST,
        body: String? = nil,
        bodyBytes: [UInt8]? = nil,
        token: String? = BridgeFixture.token,
        base64: Bool = false,
        authorization: String? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let authorization {
            request.headers.add(name: "Authorization", value: authorization)
        } else if let token {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if base64 { request.headers.add(name: "Upstash-Encoding", value: "base64") }
        if let bytes = bodyBytes ?? body.map({ Array($0.utf8) }) {
            request.body = .bytes(ByteBuffer(bytes: bytes))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let collected = try await response.body.collect(upTo: 1 << 24)
        return Answer(status: Int(response.status.code), body: Array(collected.readableBytesView))
    }
}
