import Foundation

/// Where and how to reach an Upstash-compatible REST endpoint (Vercel KV, Upstash, `kv-rest-bridge`).
public struct RESTEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The base URL, without a trailing slash: commands are POSTed to it, pipelines to `<url>/pipeline`.
    public var url: String
    /// The bearer token.
    public var token: String
    /// Whether `token` only allows reads (`KV_REST_API_READ_ONLY_TOKEN`): the tier then skips writes.
    public var readOnly: Bool

    /// Why a REST URL could not be used.
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The URL is malformed; the text says what is wrong (never a secret).
        case malformed(String)

        /// A one-line explanation.
        public var description: String {
            switch self {
            case .malformed(let reason): return "malformed REST URL: \(reason)"
            }
        }
    }

    /// Checks and normalises `url` (an `http://` or `https://` URL with a host, no query).
    public init(url text: String, token: String, readOnly: Bool = false) throws(ParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased() else {
            throw .malformed("not a URL")
        }
        guard scheme == "https" || scheme == "http" else {
            throw .malformed("scheme '\(scheme)' is not http or https")
        }
        guard let host = components.host, !host.isEmpty else { throw .malformed("no host") }
        if let port = components.port, !(1...65_535).contains(port) { throw .malformed("port \(port) out of range") }
        guard components.query == nil, components.fragment == nil else {
            throw .malformed("a REST base URL takes no query or fragment")
        }
        var normalized = trimmed
        while normalized.hasSuffix("/") { normalized.removeLast() }
        self.url = normalized
        self.token = token
        self.readOnly = readOnly
    }

    /// The URL with any user-info replaced by `***`; the token is never part of it.
    public var redactedURL: String {
        guard var components = URLComponents(string: url) else { return "<unparseable URL>" }
        if components.user != nil || components.password != nil {
            components.user = "***"
            components.password = nil
        }
        return components.string ?? "<unparseable URL>"
    }

    /// The redacted URL, and `(read-only)` when it is.
    public var description: String { redactedURL + (readOnly ? " (read-only)" : "") }
}
