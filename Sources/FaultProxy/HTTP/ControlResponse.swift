import Foundation

/// An answer of the control API: a status and a JSON body (none for 204).
public struct ControlResponse: Sendable, Hashable {
    /// The HTTP status code.
    public var status: Int
    /// The JSON body; empty for 204.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    static let noContent = ControlResponse(status: 204, body: [])

    static func json(_ status: Int, _ value: some Encodable) -> ControlResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return ControlResponse(status: status, body: Array(try encoder.encode(value)))
        } catch {
            return failure(.internalFailure("could not encode the answer: \(error)"))
        }
    }

    /// Toxiproxy's error shape: `{"error":"…","status":N}`.
    static func failure(_ error: FaultProxyError) -> ControlResponse {
        struct Body: Encodable {
            var error: String
            var status: Int
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(Body(error: error.message, status: error.status))).map(Array.init) ?? []
        return ControlResponse(status: error.status, body: body)
    }
}
