/// A failure of a proxy operation, carrying the HTTP status the control API answers with.
public struct FaultProxyError: Error, Sendable, CustomStringConvertible, Hashable {
    /// HTTP status: 400 bad request, 404 not found, 409 conflict, 500 bind or internal failure.
    public var status: Int
    /// A message that says what went wrong, for the `error` field of the JSON answer.
    public var message: String

    /// Creates an error with a status and a message.
    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    /// A textual form: the message and the status.
    public var description: String { "\(message) (status \(status))" }

    static func badRequest(_ message: String) -> FaultProxyError { FaultProxyError(status: 400, message: message) }
    static func notFound(_ message: String) -> FaultProxyError { FaultProxyError(status: 404, message: message) }
    static func conflict(_ message: String) -> FaultProxyError { FaultProxyError(status: 409, message: message) }
    static func internalFailure(_ message: String) -> FaultProxyError { FaultProxyError(status: 500, message: message) }
}
