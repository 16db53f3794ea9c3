import UpstashREST

/// An HTTP answer: a status and a JSON body, as Upstash shapes them.
struct BridgeResponse: Error, Sendable {
    var status: Int
    var body: JSONValue

    /// `{"error": text}` with `status`.
    static func error(_ status: Int, _ text: String) -> BridgeResponse {
        BridgeResponse(status: status, body: .object(["error": .string(text)]))
    }

    static let unauthorized = BridgeResponse.error(401, "Unauthorized")
    static let methodNotAllowed = BridgeResponse.error(405, "Method Not Allowed")
    static let notParsable = BridgeResponse.error(400, "ERR failed to parse command")
}
