/// One fault applied to one direction of every connection of a proxy.
public struct Toxic: Sendable, Codable, Hashable {
    /// The direction a toxic applies to.
    public enum Stream: String, Sendable, Codable, Hashable {
        /// Client to server.
        case upstream
        /// Server to client.
        case downstream
    }

    /// The toxic's name, unique within its proxy; defaults to `<type>_<stream>`.
    public var name: String
    /// The direction it applies to.
    public var stream: Stream
    /// The probability (0...1) that a given connection is affected; rolled per connection.
    public var toxicity: Double
    /// What the toxic does.
    public var kind: ToxicKind

    /// Creates a toxic; the name defaults to `<type>_<stream>` as in Toxiproxy.
    public init(name: String? = nil, stream: Stream = .downstream, toxicity: Double = 1, kind: ToxicKind) {
        self.name = name ?? "\(kind.typeName)_\(stream.rawValue)"
        self.stream = stream
        self.toxicity = toxicity
        self.kind = kind
    }

    private enum CodingKeys: String, CodingKey {
        case name, type, stream, toxicity, attributes
    }

    /// Encodes Toxiproxy's toxic JSON, with every attribute of the type.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(kind.typeName, forKey: .type)
        try container.encode(stream, forKey: .stream)
        try container.encode(toxicity, forKey: .toxicity)
        try container.encode(kind.attributes, forKey: .attributes)
    }

    /// Decodes Toxiproxy's toxic JSON with its defaults (stream downstream, toxicity 1, attributes 0).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let typeName = try container.decode(String.self, forKey: .type)
        let attributes = try container.decodeIfPresent([String: Int].self, forKey: .attributes) ?? [:]
        let kind = try ToxicKind(typeName: typeName, attributes: attributes)
        self.init(
            name: try container.decodeIfPresent(String.self, forKey: .name),
            stream: try container.decodeIfPresent(Stream.self, forKey: .stream) ?? .downstream,
            toxicity: try container.decodeIfPresent(Double.self, forKey: .toxicity) ?? 1,
            kind: kind)
        try validate()
    }

    /// Checks the values an API user can get wrong.
    func validate() throws(FaultProxyError) {
        guard !name.isEmpty else { throw .badRequest("toxic name must not be empty") }
        guard toxicity.isFinite, (0...1).contains(toxicity) else {
            throw .badRequest("toxicity must be between 0 and 1 (got \(toxicity))")
        }
        for (attribute, value) in kind.attributes.sorted(by: { $0.key < $1.key }) {
            let limit = kind.maximum(of: attribute)
            guard (0...limit).contains(value) else {
                throw .badRequest("attribute \(attribute) of a \(kind.typeName) toxic must be between 0 and \(limit) (got \(value))")
            }
        }
    }
}
