/// The request trace of a scenario: which questions are asked, how often, how fast.
public struct WorkloadSpecification: Sendable, Hashable {
    /// The number of distinct questions.
    public var questions: Int
    /// The Zipf exponent of question popularity (0 = uniform; about 1 for real query logs).
    public var zipfExponent: Double
    /// The total number of requests.
    public var requests: Int
    /// How many requests are in flight at once.
    public var concurrency: Int
    /// The seed of every random choice (questions, routing, origin latencies).
    public var seed: UInt64
    /// The TTL given to every cached answer, in seconds.
    public var ttlSeconds: Int
    /// When set, requests are sent at this rate (open loop, still capped by `concurrency`), so phases
    /// last a real time; otherwise as fast as `concurrency` allows.
    public var ratePerSecond: Double?

    /// Creates a workload.
    public init(
        questions: Int,
        zipfExponent: Double = 1.0,
        requests: Int,
        concurrency: Int = 8,
        seed: UInt64 = 1,
        ttlSeconds: Int = 3600,
        ratePerSecond: Double? = nil
    ) {
        self.questions = questions
        self.zipfExponent = zipfExponent
        self.requests = requests
        self.concurrency = concurrency
        self.seed = seed
        self.ttlSeconds = ttlSeconds
        self.ratePerSecond = ratePerSecond
    }
}
