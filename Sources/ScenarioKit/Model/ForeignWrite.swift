/// What a `foreign-write` event stores at cache keys, as another client of the same Redis would: the cache must
/// answer every request for those keys correctly anyway (a hit it can prove, or a miss), and the oracle checks it.
public struct ForeignWrite: Sendable, Hashable, CustomStringConvertible {
    /// The bytes written at each chosen key.
    public enum Content: Sendable, Hashable {
        /// The cache's envelope without its `key` field, holding the answer of another question.
        case noKey
        /// The envelope of another question (its `key` field and its answer) stored under this key.
        case wrongKey
        /// The envelope with a version this code does not know (`"v": 99`).
        case futureVersion
        /// Seeded random bytes, not JSON, often not UTF-8.
        case garbage
        /// The entry as it is, plus a padding field that makes it `bytes` long (a huge value).
        case huge(bytes: Int)
        /// Exactly this text.
        case raw(String)

        /// The name used in scenario files.
        public var name: String {
            switch self {
            case .noKey: "no-key"
            case .wrongKey: "wrong-key"
            case .futureVersion: "future-version"
            case .garbage: "garbage"
            case .huge: "huge"
            case .raw: "raw"
            }
        }

        /// Every content name a scenario file may use.
        public static let allNames = ["no-key", "wrong-key", "future-version", "garbage", "huge", "raw"]
    }

    /// What is written.
    public var content: Content
    /// How many of the namespace's stored keys are rewritten (chosen with the scenario's seed); `nil` = every one,
    /// a whole namespace rewritten.
    public var keys: Int?

    /// Creates a foreign write.
    public init(content: Content, keys: Int? = nil) {
        self.content = content
        self.keys = keys
    }

    /// The write as the report's timeline shows it.
    public var description: String {
        let what: String
        switch content {
        case .huge(let bytes): what = "huge entries (\(bytes) bytes)"
        case .raw(let text): what = "'\(text.prefix(40))'"
        default: what = "\(content.name) entries"
        }
        return "foreign client writes \(what) at \(keys.map { "\($0) stored keys" } ?? "every stored key")"
    }
}
