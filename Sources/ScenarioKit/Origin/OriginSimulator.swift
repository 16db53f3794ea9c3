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
    private let faults = Mutex(Faults())

    /// The origin's faults and knowledge-base updates on the scenario timeline (issue 11).
    private struct Faults {
        /// The share of calls that fail (0: none, 1: all).
        var failShare = 0.0
        /// The factor applied to every latency (`origin-slow`).
        var slowFactor = 1.0
        /// The shares of questions each `kb-update` changed, in order.
        var updates: [Double] = []
        /// Calls made, to pick failing ones deterministically.
        var calls: UInt64 = 0
    }

    /// The error a failing origin call throws.
    public struct OriginFailure: Error, Sendable, CustomStringConvertible {
        /// A short explanation.
        public var description: String { "the origin failed (scenario fault)" }
    }

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
        expectedAnswer(for: question, version: version(of: question))
    }

    /// The answer to `question` at knowledge-base `version` (0 before any `kb-update` changed it).
    public func expectedAnswer(for question: String, version: Int) -> String {
        let responder = responder(for: question)
        let body = "answer-to:\(question)|from:\(responder.rawValue)" + (version == 0 ? "" : "|v:\(version)")
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
        truth(for: question, version: version(of: question))
    }

    /// The truth for `question` at knowledge-base `version`.
    public func truth(for question: String, version: Int) -> CacheEntry {
        CacheEntry(text: expectedAnswer(for: question, version: version), source: responder(for: question) == .kb ? .kb : .llm)
    }

    /// How many `kb-update`s changed `question`'s answer so far.
    public func version(of question: String) -> Int {
        version(of: question, afterUpdates: .max)
    }

    /// How many `kb-update`s have run so far.
    public var updateCount: Int { faults.withLock { $0.updates.count } }

    /// How many of the first `count` `kb-update`s changed `question`'s answer.
    public func version(of question: String, afterUpdates count: Int) -> Int {
        let updates = faults.withLock { $0.updates.prefix(count) }
        var version = 0
        for (index, share) in updates.enumerated() {
            var generator = SeededGenerator(seed: seed ^ SplitMix64.stableHash(question), stream: "kb-update-\(index)")
            if Double.random(in: 0..<1, using: &generator) < share { version += 1 }
        }
        return version
    }

    /// From now on, `share` of the calls fail (`origin-fail`; 1 = all).
    public func fail(share: Double) { faults.withLock { $0.failShare = min(1, max(0, share)) } }
    /// From now on, every latency is multiplied by `factor` (`origin-slow`).
    public func slow(factor: Double) { faults.withLock { $0.slowFactor = max(0, factor) } }
    /// Ends `origin-fail` and `origin-slow` (`origin-restore`).
    public func restore() { faults.withLock { $0.failShare = 0; $0.slowFactor = 1 } }
    /// Changes the truth of `share` of the questions (`kb-update`; 1 = all): their answers get a new version.
    public func updateKnowledgeBase(share: Double) { faults.withLock { $0.updates.append(min(1, max(0, share))) } }

    /// Answers `question` as the route would: waits the simulated latency, counts the call.
    public func answer(_ question: String) async throws -> Call {
        let responder = responder(for: question)
        let (failShare, slowFactor, call) = faults.withLock { faults in
            faults.calls += 1
            return (faults.failShare, faults.slowFactor, faults.calls)
        }
        let latency = latencyMilliseconds(for: question) * slowFactor
        counters.withLock { counts in
            if responder == .kb { counts.kb += 1 } else { counts.llm += 1 }
        }
        if latency > 0 {
            try await Task.sleep(for: .microseconds(Int64(latency * 1000)))
        }
        if failShare > 0 {
            var generator = SeededGenerator(seed: seed ^ call, stream: "origin-fail")
            if failShare >= 1 || Double.random(in: 0..<1, using: &generator) < failShare { throw OriginFailure() }
        }
        return Call(entry: truth(for: question), responder: responder, latencyMilliseconds: latency)
    }

    /// Calls made so far.
    public var callCounts: (kb: Int, llm: Int) { counters.withLock { $0 } }
}
