/// The requests of a run, decided before it starts so the memory-only baseline and the KV run see exactly
/// the same questions in the same order, routed the same way.
public struct RequestTrace: Sendable, Hashable {
    /// One request of the trace.
    public struct Request: Sendable, Hashable {
        /// The position in the trace (0-based).
        public var index: Int
        /// The question's popularity rank (1 = most asked).
        public var rank: Int
        /// The question's text, which is also the cache key.
        public var question: String
        /// A number in 0..<1 that picks the serving instance among those alive when the request is sent.
        public var routingDraw: Double
    }

    /// The requests, in order.
    public let requests: [Request]

    /// Generates the trace of a workload.
    public init(workload: WorkloadSpecification) {
        var questionGenerator = SeededGenerator(seed: workload.seed, stream: "questions")
        var routingGenerator = SeededGenerator(seed: workload.seed, stream: "routing")
        let zipf = ZipfDistribution(count: workload.questions, exponent: workload.zipfExponent)
        var requests: [Request] = []
        requests.reserveCapacity(workload.requests)
        for index in 0..<workload.requests {
            let rank = zipf.sample(using: &questionGenerator)
            requests.append(Request(
                index: index, rank: rank, question: Self.question(rank: rank),
                routingDraw: Double.random(in: 0..<1, using: &routingGenerator)))
        }
        self.requests = requests
    }

    /// The text of the question with a rank.
    public static func question(rank: Int) -> String {
        "pergunta-\(rank): como faço o procedimento \(rank) no painel?"
    }

    /// The number of distinct questions in the trace.
    public var distinctQuestions: Int { Set(requests.map(\.rank)).count }

    /// The best hit rate any cache could reach on the trace: only the first request of each question must
    /// miss.
    public var optimalHitRate: Double {
        requests.isEmpty ? 0 : 1 - Double(distinctQuestions) / Double(requests.count)
    }
}
