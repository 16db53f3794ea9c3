extension Toxic: CustomStringConvertible {
    /// The toxic as a report or a log line shows it: `slow (latency downstream: jitter=0, latency=600)`.
    public var description: String {
        let shown = kind.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        let toxicityText = toxicity < 1 ? ", toxicity \(toxicity)" : ""
        return "\(name) (\(kind.typeName) \(stream.rawValue)\(toxicityText)\(shown.isEmpty ? "" : ": \(shown)"))"
    }
}
