/// The kind of a toxic and its attributes, with Toxiproxy's names and units.
public enum ToxicKind: Sendable, Hashable {
    /// Delays every chunk by `latency` ± `jitter` milliseconds from its arrival (a delay line: throughput is kept).
    case latency(latency: Int, jitter: Int = 0)
    /// Limits the stream to `rate` KB/s (1 KB = 1000 bytes, as Toxiproxy); 0 means unlimited.
    case bandwidth(rate: Int)
    /// Delays the propagation of a close by `delay` milliseconds.
    case slowClose(delay: Int)
    /// Drops all data and closes the connection after `timeout` ms; 0 holds it open until the toxic is removed.
    case timeout(timeout: Int)
    /// Resets the connection (TCP RST) `timeout` ms after data arrives on the stream.
    case resetPeer(timeout: Int)
    /// Cuts data into slices of `averageSize` ± `sizeVariation` bytes sent `delay` µs apart.
    case slicer(averageSize: Int, sizeVariation: Int, delay: Int)
    /// Closes the connection once `bytes` bytes have passed on the stream.
    case limitData(bytes: Int)
    /// RESP-aware (beyond Toxiproxy): every `every`-th command of the connection is not sent to redis-server; the
    /// client gets `reply` (`-OOM`, `-READONLY`, `-LOADING`) instead, in reply order. `every` 0 or 1 = every command.
    case respError(reply: RESPErrorReply, every: Int = 1)
    /// RESP-aware (beyond Toxiproxy): every `every`-th command runs on redis-server but its reply is dropped, so the
    /// client waits for an answer that never comes. `every` 0 or 1 = every command.
    case respDropReply(every: Int = 1)
    /// Connection-wide (beyond Toxiproxy): a connection accepted while the toxic exists is held, accepted by the
    /// kernel but unread, `delay` ms before the proxy connects upstream; 0 holds it until the toxic is removed (a
    /// blackholed connect). Connections already established are not affected.
    case connectDelay(delay: Int)

    /// Toxiproxy's type name: "latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data".
    public var typeName: String {
        switch self {
        case .latency: "latency"
        case .bandwidth: "bandwidth"
        case .slowClose: "slow_close"
        case .timeout: "timeout"
        case .resetPeer: "reset_peer"
        case .slicer: "slicer"
        case .limitData: "limit_data"
        case .respError(let reply, _): reply.rawValue
        case .respDropReply: "resp_drop_reply"
        case .connectDelay: "connect_delay"
        }
    }

    /// Every type name this proxy understands.
    public static let typeNames = [
        "latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data",
        "resp_oom", "resp_readonly", "resp_loading", "resp_drop_reply", "connect_delay",
    ]

    /// Whether this kind works on RESP commands and replies of the whole connection (its stream is ignored).
    public var isRESPFault: Bool {
        switch self {
        case .respError, .respDropReply: true
        default: false
        }
    }

    /// Whether this kind acts on one direction's bytes (Toxiproxy's toxics), rather than on a whole connection.
    public var isStreamToxic: Bool {
        switch self {
        case .respError, .respDropReply, .connectDelay: false
        default: true
        }
    }

    /// The attribute names a type takes, sorted, or `nil` for a type this proxy does not have. Derived from the
    /// kinds themselves so that every consumer (the control API, scenario files) knows exactly the same toxics.
    public static func attributeNames(ofType typeName: String) -> [String]? {
        guard let kind = try? ToxicKind(typeName: typeName, attributes: [:]) else { return nil }
        return kind.attributes.keys.sorted()
    }

    /// The largest value an attribute may take. Far beyond any useful fault (a day of latency, a terabyte of
    /// data), these bounds keep every timer and byte count of the toxics from overflowing, which would trap.
    public func maximum(of attribute: String) -> Int {
        switch (self, attribute) {
        case (.slicer, "delay"): return 3_600_000_000                    // µs: one hour
        case (_, "latency"), (_, "jitter"), (_, "delay"), (_, "timeout"): return 86_400_000  // ms: one day
        case (_, "every"): return Int(Int32.max)
        default: return 1 << 40                                          // bytes, KB/s: a terabyte
        }
    }

    /// Every attribute of the kind, by Toxiproxy's attribute name.
    public var attributes: [String: Int] {
        switch self {
        case .latency(let latency, let jitter): ["latency": latency, "jitter": jitter]
        case .bandwidth(let rate): ["rate": rate]
        case .slowClose(let delay): ["delay": delay]
        case .timeout(let timeout): ["timeout": timeout]
        case .resetPeer(let timeout): ["timeout": timeout]
        case .slicer(let averageSize, let sizeVariation, let delay):
            ["average_size": averageSize, "size_variation": sizeVariation, "delay": delay]
        case .limitData(let bytes): ["bytes": bytes]
        case .respError(_, let every): ["every": every]
        case .respDropReply(let every): ["every": every]
        case .connectDelay(let delay): ["delay": delay]
        }
    }

    /// Builds a kind from a type name and attributes; missing attributes are 0 as in Toxiproxy, unknown ones ignored.
    public init(typeName: String, attributes: [String: Int]) throws(FaultProxyError) {
        for (key, value) in attributes where value < 0 {
            throw .badRequest("attribute \(key) of a \(typeName) toxic must not be negative (got \(value))")
        }
        func value(_ key: String) -> Int { attributes[key] ?? 0 }
        switch typeName {
        case "latency": self = .latency(latency: value("latency"), jitter: value("jitter"))
        case "bandwidth": self = .bandwidth(rate: value("rate"))
        case "slow_close": self = .slowClose(delay: value("delay"))
        case "timeout": self = .timeout(timeout: value("timeout"))
        case "reset_peer": self = .resetPeer(timeout: value("timeout"))
        case "slicer":
            self = .slicer(
                averageSize: value("average_size"), sizeVariation: value("size_variation"), delay: value("delay"))
        case "limit_data": self = .limitData(bytes: value("bytes"))
        case "resp_drop_reply": self = .respDropReply(every: value("every"))
        case "connect_delay": self = .connectDelay(delay: value("delay"))
        default:
            if let reply = RESPErrorReply(rawValue: typeName) {
                self = .respError(reply: reply, every: value("every"))
                return
            }
            throw .badRequest(
                "invalid toxic type \"\(typeName)\"; expected one of \(ToxicKind.typeNames.joined(separator: ", "))")
        }
    }
}
