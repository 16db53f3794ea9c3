import CacheCore

/// Checks every answer the cache returns against the origin's truth: a wrong answer fails the scenario,
/// whatever else it shows.
public struct AnswerOracle: Sendable {
    /// The verdict on one answer.
    public enum Verdict: Sendable, Hashable {
        /// The answer is the origin's, byte for byte, with the right source.
        case correct
        /// The answer differs; the text says how.
        case wrong(String)
    }

    private let origin: OriginSimulator

    /// Creates an oracle for an origin.
    public init(origin: OriginSimulator) { self.origin = origin }

    /// Checks the answer the cache gave for `question`.
    ///
    /// A fresh answer must be the truth of a knowledge-base version at least `versionAtStart` (the
    /// question's version when the request began: an update during the request may or may not be seen).
    /// An answer marked stale (`isStale`, fail-safe) may also be the truth of any earlier version; any other
    /// mismatch, including an old answer not marked stale, is wrong.
    public func check(question: String, answer: CacheEntry, isStale: Bool = false, versionAtStart: Int? = nil) -> Verdict {
        let current = origin.version(of: question)
        let oldest = isStale ? 0 : min(versionAtStart ?? current, current)
        if oldest < current, answer.source == origin.truth(for: question).source,
           (oldest..<current).contains(where: { origin.truth(for: question, version: $0).value == answer.value }) {
            return .correct
        }
        let truth = origin.truth(for: question)
        guard answer.value == truth.value else {
            let shown = answer.text.map { String($0.prefix(80)) } ?? "\(answer.value.count) non-UTF-8 bytes"
            return .wrong("expected '\(String(truth.text?.prefix(80) ?? ""))', got '\(shown)'")
        }
        guard answer.source == truth.source else {
            return .wrong("right text but source '\(answer.source)' instead of '\(truth.source)'")
        }
        return .correct
    }
}
