import CacheCore
import FaultProxy
import Synchronization

/// The route's origin, simulated: each question is answered deterministically by the knowledge base or
/// the LLM, after a latency drawn from the configured distribution, and every call is counted. Its
/// ``answer(_:)`` is the `compute` closure given to `getOrCompute`.
public final class OriginSimulator: Sendable {
    /// Who answers a question.
    public enum Responder: String, Sendable, Hashable, Codable {
        /// The knowledge base (fast).
        case kb
        /// The LLM (slow, costly).
        case llm
    }

    /// What one call did.
    public struct Call: Sendable, Hashable {
        /// The answer.
        public var entry: CacheEntry
        /// Who answered.
        public var responder: Responder
        /// The simulated latency, in milliseconds, after scaling.
        public var latencyMilliseconds: Double
    }

    /// The specification the origin follows.
    public let specification: OriginSpecification
    /// The factor applied to every latency (the specification's, times the quick-mode factor).
    public let effectiveScale: Double
    private let seed: UInt64
    private let counters = Mutex<(kb: Int, llm: Int)>((0, 0))

    /// Creates an origin; `extraScale` multiplies the specification's latency scale (quick mode).
    public init(specification: OriginSpecification, seed: UInt64, extraScale: Double = 1) {
        self.specification = specification
        self.seed = seed
        self.effectiveScale = specification.latencyScale * extraScale
    }

    /// Who answers `question`: the same for every call, so a cached answer can be checked.
    public func responder(for question: String) -> Responder {
        var generator = SeededGenerator(seed: seed ^ SplitMix64.stableHash(question), stream: "responder")
        return Double.random(in: 0..<1, using: &generator) < specification.kbShare ? .kb : .llm
    }

    /// The true answer to `question`: its text and a checksum binding the two, so a truncated, mixed-up
    /// or foreign answer is detected.
    public func expectedAnswer(for question: String) -> String {
        let responder = responder(for: question)
        let body = "answer-to:\(question)|from:\(responder.rawValue)"
        let checksum = String(SplitMix64.stableHash(body + "#\(seed)"), radix: 16)
        let answer = "\(body)|sum:\(checksum)"
        guard let size = answerBytes(for: question), size > answer.utf8.count + 5 else { return answer }
        // Padding derived from the checksum: a value cut short or spliced from another answer still differs.
        let length = size - answer.utf8.count - 5
        let padding = String(repeating: checksum, count: length / checksum.utf8.count + 1).utf8.prefix(length)
        return answer + "|pad:" + String(decoding: padding, as: UTF8.self)
    }

    /// The size of the answer to `question` when the specification sets one (the same for every call).
    public func answerBytes(for question: String) -> Int? {
        guard let distribution = specification.answerBytes else { return nil }
        var generator = SeededGenerator(seed: seed ^ SplitMix64.stableHash(question), stream: "size")
        return Int(distribution.sample(using: &generator, upTo: OriginSpecification.maximumAnswerBytes))
    }

    /// The simulated latency of answering `question`, in milliseconds after scaling (the same for every call).
    public func latencyMilliseconds(for question: String) -> Double {
        var generator = SeededGenerator(seed: seed ^ SplitMix64.stableHash(question), stream: "latency")
        let distribution = responder(for: question) == .kb ? specification.kbLatency : specification.llmLatency
        return max(0, distribution.sample(using: &generator)) * effectiveScale
    }

    /// Answers `question` without waiting or counting: the oracle's truth.
    public func truth(for question: String) -> CacheEntry {
        CacheEntry(text: expectedAnswer(for: question), source: responder(for: question) == .kb ? .kb : .llm)
    }

    /// Answers `question` as the route would: waits the simulated latency, counts the call.
    public func answer(_ question: String) async throws -> Call {
        let responder = responder(for: question)
        let latency = latencyMilliseconds(for: question)
        counters.withLock { counts in
            if responder == .kb { counts.kb += 1 } else { counts.llm += 1 }
        }
        if latency > 0 {
            try await Task.sleep(for: .microseconds(Int64(latency * 1000)))
        }
        return Call(entry: truth(for: question), responder: responder, latencyMilliseconds: latency)
    }

    /// Calls made so far.
    public var callCounts: (kb: Int, llm: Int) { counters.withLock { $0 } }
}
