/// A toxic as a scenario file describes it, in Toxiproxy's terms.
public struct ToxicSpecification: Sendable, Hashable, CustomStringConvertible {
    /// The toxic types and the attributes each takes (every attribute is an integer).
    public static let attributesByType: [String: [String]] = [
        "latency": ["latency", "jitter"],
        "bandwidth": ["rate"],
        "slow_close": ["delay"],
        "timeout": ["timeout"],
        "reset_peer": ["timeout"],
        "slicer": ["average_size", "size_variation", "delay"],
        "limit_data": ["bytes"],
    ]

    /// The toxic's name; defaults to `<type>_<stream>`.
    public var name: String
    /// The toxic type (`latency`, `timeout`, `reset_peer`, `limit_data`, …).
    public var type: String
    /// `upstream` (towards Redis) or `downstream` (towards the instance).
    public var stream: String
    /// The per-connection probability the toxic applies, 0…1.
    public var toxicity: Double
    /// The type's attributes; missing ones are 0.
    public var attributes: [String: Int]

    /// Creates a toxic specification.
    public init(name: String? = nil, type: String, stream: String = "downstream", toxicity: Double = 1, attributes: [String: Int] = [:]) {
        self.name = name ?? "\(type)_\(stream)"
        self.type = type
        self.stream = stream
        self.toxicity = toxicity
        self.attributes = attributes
    }

    /// The toxic as the report shows it (`slow (latency downstream: latency=600)`).
    public var description: String {
        let shown = attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return "\(name) (\(type) \(stream)\(shown.isEmpty ? "" : ": \(shown)"))"
    }
}
