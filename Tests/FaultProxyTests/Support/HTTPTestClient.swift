import Foundation
import Testing

/// One HTTP answer, parsed just enough for the control API tests.
struct HTTPAnswer {
    var status: Int
    var body: String

    /// The body as a JSON object (nil when it is not one).
    var object: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }

    var array: [Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [Any]
    }
}

/// A deliberately small HTTP/1.1 client over a raw socket: one request per connection (`Connection: close`).
func http(_ method: String, _ path: String, body: String? = nil, port: Int) async throws -> HTTPAnswer {
    let connection = try await TestConnection.connect(port: port)
    defer { connection.close() }
    try await connection.send(rawRequest(method, path, body: body, keepAlive: false))
    _ = try await connection.waitForEnding()
    return try #require(parseAnswers(String(decoding: connection.receivedBytes, as: UTF8.self)).first)
}

func rawRequest(_ method: String, _ path: String, body: String?, keepAlive: Bool) -> String {
    var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if let body {
        request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
    } else if method != "GET" {
        request += "Content-Length: 0\r\n"
    }
    request += keepAlive ? "\r\n" : "Connection: close\r\n\r\n"
    return request + (body ?? "")
}

/// Splits a stream of HTTP answers (with Content-Length bodies) into status and body.
func parseAnswers(_ text: String) -> [HTTPAnswer] {
    var answers: [HTTPAnswer] = []
    var rest = Substring(text)
    while let headerEnd = rest.range(of: "\r\n\r\n") {
        let head = rest[..<headerEnd.lowerBound]
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else { break }
        let length = lines.dropFirst().compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        let bodyStart = headerEnd.upperBound
        let bodyBytes = rest[bodyStart...].utf8.prefix(length)
        answers.append(HTTPAnswer(status: status, body: String(decoding: bodyBytes, as: UTF8.self)))
        rest = Substring(String(decoding: rest[bodyStart...].utf8.dropFirst(length), as: UTF8.self))
    }
    return answers
}
