import Foundation

/// A cached answer: its bytes, where it came from, and when it was produced.
///
/// The value is binary-safe; ``text`` gives it back as a string when it is valid UTF-8.
public struct CacheEntry: Sendable, Hashable {
    /// Where an answer came from, so a reader can tell a knowledge-base answer from an LLM one.
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        /// The knowledge base (fast, cheap).
        case kb
        /// The language model (slow, costly).
        case llm
        /// Any other origin, named by the application.
        case other(String)

        /// Creates a source from its stored name (`"kb"`, `"llm"`, or anything else).
        public init(rawValue: String) {
            switch rawValue {
            case "kb": self = .kb
            case "llm": self = .llm
            default: self = .other(rawValue)
            }
        }

        /// The stored name of the source.
        public var rawValue: String {
            switch self {
            case .kb: return "kb"
            case .llm: return "llm"
            case .other(let name): return name
            }
        }

        /// The stored name of the source.
        public var description: String { rawValue }
    }

    /// The cached answer's bytes.
    public var value: [UInt8]
    /// Where the answer came from.
    public var source: Source
    /// When the answer was produced (millisecond precision once stored).
    public var createdAt: Date

    /// Creates an entry holding `text` as UTF-8.
    public init(text: String, source: Source, createdAt: Date = Date()) {
        self.init(bytes: Array(text.utf8), source: source, createdAt: createdAt)
    }

    /// Creates an entry holding arbitrary bytes.
    public init(bytes: [UInt8], source: Source, createdAt: Date = Date()) {
        self.value = bytes
        self.source = source
        self.createdAt = createdAt
    }

    /// The value as a string, or `nil` when it is not valid UTF-8.
    public var text: String? { String(validating: value, as: UTF8.self) }
}
