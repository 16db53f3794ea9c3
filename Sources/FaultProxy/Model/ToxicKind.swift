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
        }
    }

    /// Every type name this proxy understands.
    public static let typeNames = ["latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data"]

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
        default:
            throw .badRequest(
                "invalid toxic type \"\(typeName)\"; expected one of \(ToxicKind.typeNames.joined(separator: ", "))")
        }
    }
}
