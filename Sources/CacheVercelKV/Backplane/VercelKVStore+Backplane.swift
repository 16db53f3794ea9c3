import CacheCore
import Logging

/// The REST backplane: a Redis stream polled through the ordinary REST commands rather than Upstash's
/// server-sent-event `/subscribe` (see docs/architecture.md): `XADD <channel> MAXLEN ~ 10000 * m <message>`
/// to publish, and a ``RESTStreamSubscription`` that reads new entries with `XRANGE` from a cursor.
extension VercelKVStore: KVBackplane {
    /// The stream keeps about this many messages: enough for a poller a few seconds behind.
    static let backplaneStreamLength = 10_000

    /// Appends `message` to the stream `channel`.
    public func publish(_ message: [UInt8], channel: String, deadline: ContinuousClock.Instant) async throws(KVError) {
        let command = RESTCommand([
            Array("XADD".utf8), Array(channel.utf8), Array("MAXLEN".utf8), Array("~".utf8),
            Array(String(Self.backplaneStreamLength).utf8), Array("*".utf8), Array("m".utf8), message,
        ])
        _ = try await run(command, deadline: deadline)
    }

    /// Starts polling the stream `channel` every ``BackplanePolicy/heartbeatInterval``.
    public func subscribe(
        channel: String, policy: BackplanePolicy, logger: Logger, onEvent: @escaping @Sendable (BackplaneEvent) -> Void
    ) -> any BackplaneSubscription {
        RESTStreamSubscription(store: self, stream: channel, policy: policy, logger: logger, onEvent: onEvent)
    }

    /// The id of the stream's newest entry, or `0-0` when it is empty or missing.
    func newestStreamID(_ stream: String, deadline: ContinuousClock.Instant) async throws(KVError) -> String {
        let reply = RESTResult(decoding: try await run(RESTCommand(["XREVRANGE", stream, "+", "-", "COUNT", "1"]), deadline: deadline))
        guard case .array(let entries) = reply else { throw KVError(.protocolError, "XREVRANGE did not answer an array") }
        guard let first = entries.first else { return "0-0" }
        guard case .array(let parts) = first, let id = parts.first?.text else { throw KVError(.protocolError, "malformed stream entry") }
        return id
    }

    /// Up to `count` entries after `cursor` (exclusive): their ids and messages.
    func streamEntries(
        _ stream: String, after cursor: String, count: Int, deadline: ContinuousClock.Instant
    ) async throws(KVError) -> [(id: String, message: [UInt8])] {
        let command = RESTCommand(["XRANGE", stream, "(" + cursor, "+", "COUNT", String(count)])
        let reply = RESTResult(decoding: try await run(command, deadline: deadline))
        guard case .array(let entries) = reply else { throw KVError(.protocolError, "XRANGE did not answer an array") }
        return try entries.map { entry throws(KVError) in
            guard case .array(let parts) = entry, parts.count == 2, let id = parts[0].text, case .array(let fields) = parts[1] else {
                throw KVError(.protocolError, "malformed stream entry")
            }
            // Fields come as name, value pairs; the message is the value of `m` (anything else is ignored).
            var message: [UInt8] = []
            var index = 0
            while index + 1 < fields.count {
                if fields[index].text == "m", case .bytes(let bytes) = fields[index + 1] { message = bytes }
                index += 2
            }
            return (id, message)
        }
    }
}
