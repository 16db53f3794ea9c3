/// A proxy as declared in a config file or a `/populate` body: Toxiproxy's proxy JSON plus an optional `toxics`
/// array (an extension: Toxiproxy's config file cannot declare toxics).
public struct ProxyDefinition: Sendable, Codable, Hashable {
    /// The proxy's name and addresses.
    public var configuration: ProxyConfiguration
    /// The toxics to install, in order; nil leaves an existing proxy's toxics alone.
    public var toxics: [Toxic]?

    /// Creates a definition.
    public init(configuration: ProxyConfiguration, toxics: [Toxic]? = nil) {
        self.configuration = configuration
        self.toxics = toxics
    }

    private enum CodingKeys: String, CodingKey {
        case toxics
    }

    /// Decodes `{"name","listen","upstream","enabled","toxics":[…]}`.
    public init(from decoder: any Decoder) throws {
        configuration = try ProxyConfiguration(from: decoder)
        toxics = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent([Toxic].self, forKey: .toxics)
    }

    /// Encodes the same flat shape.
    public func encode(to encoder: any Encoder) throws {
        try configuration.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(toxics, forKey: .toxics)
    }
}
