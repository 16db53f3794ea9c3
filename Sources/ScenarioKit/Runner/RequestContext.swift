import CacheCore

/// Everything one request needs, captured by value so the request task shares nothing mutable.
struct RequestContext: Sendable {
    let request: RequestTrace.Request
    let instance: CacheInstance
    let phase: Int
    let isColdStart: Bool
    let mode: String
    let origin: OriginSimulator
    let oracle: AnswerOracle
    let start: ContinuousClock.Instant
    let ttl: Duration
    let limit: Duration
    /// Old answers after an `invalidate` are measured there (a staleness window) rather than counted wrong.
    var staleness: StalenessTracker?
    /// The KV deadline in milliseconds: a request that spent this long in the cache waited for it.
    let kvDeadlineMilliseconds: Double
    /// Ended when the cache answers or asks the origin, whichever comes first (see ``PendingLookups``).
    var lookup: PendingLookups.Lookup?

    /// Sends the request through the instance's `getOrCompute`, times it and checks the answer.
    func execute() async -> RequestRecord {
        let clock = ContinuousClock()
        let sentAt = clock.now
        let timing = OriginTiming()
        let question = request.question
        let cache = instance.cache
        let origin = origin
        let ttl = ttl
        // The knowledge base may change during the request (`kb-update`): either version is then right.
        let versionAtStart = origin.version(of: question)
        let timedCall: TimedCall? = await FirstResult.value(within: limit) {
            // Timed around the cache call itself: the harness's own task hand-offs (starting this task,
            // resuming the caller) are not the cache's time.
            // Read here, not before the task started: on a busy machine the breaker can change state in between
            // (a probe closes it, then the request's KV read is sent and released when it opens again).
            let circuit = cache.circuitState
            let calledAt = ContinuousClock.now
            do {
                let lookup = self.lookup
                defer { lookup?.end() }
                let result = try await cache.getOrCompute(question, ttl: ttl) {
                    lookup?.end()
                    let computeStart = ContinuousClock.now
                    let call = try await origin.answer(question)
                    instance.originCalls.record(question, OriginCallLog.Call(
                        start: computeStart, end: ContinuousClock.now,
                        unscaledMilliseconds: origin.effectiveScale > 0 ? call.latencyMilliseconds / origin.effectiveScale : 0,
                        responder: call.responder))
                    timing.record(
                        milliseconds: VariantRunner.milliseconds(ContinuousClock.now - computeStart),
                        unscaled: origin.effectiveScale > 0 ? call.latencyMilliseconds / origin.effectiveScale : 0,
                        responder: call.responder)
                    return call.entry
                }
                return TimedCall(result: .success(result), circuit: circuit, calledAt: calledAt, returnedAt: ContinuousClock.now)
            } catch {
                return TimedCall(result: .failure(error), circuit: circuit, calledAt: calledAt, returnedAt: ContinuousClock.now)
            }
        }
        let outcome = timedCall?.result
        let answeredAt = clock.now
        let latency = VariantRunner.milliseconds(answeredAt - sentAt)
        let measured = timing.value
        var record = RequestRecord(
            index: request.index, question: question, instance: instance.id, phase: phase,
            startMilliseconds: VariantRunner.milliseconds(sentAt - start), latencyMilliseconds: latency,
            originMilliseconds: measured.milliseconds, unscaledOriginMilliseconds: measured.unscaled, outcome: .failed,
            responder: measured.responder, kvError: nil, wrongAnswer: nil, failure: nil, mode: mode,
            isColdStart: isColdStart)
        if let timedCall {
            record.cacheCallMilliseconds = VariantRunner.milliseconds(timedCall.returnedAt - timedCall.calledAt)
        }
        let circuitAtStart = timedCall?.circuit ?? nil
        record.circuitOpenAtStart = circuitAtStart == .open || circuitAtStart == .halfOpen
        record.calledOrigin = measured.responder != nil
        switch outcome {
        case nil:
            record.failure = "no answer within \(limit)"
        case .failure(let error)?:
            record.failure = "getOrCompute threw: \(error)"
        case .success(let result)?:
            switch result.origin {
            case .kv: record.outcome = .kv
            case .memory: record.outcome = .memory
            case .computed: record.outcome = .computed
            }
            if result.origin != .computed {
                record.responder = nil
                record.originMilliseconds = 0
                record.unscaledOriginMilliseconds = 0
            } else if result.sharedComputation,
                let shared = instance.originCalls.sharedWait(
                    for: question, sentAt: timedCall?.calledAt ?? sentAt, answeredAt: timedCall?.returnedAt ?? answeredAt) {
                // It waited for another request's origin call: that wait is origin time, not the cache's.
                record.originMilliseconds = shared.milliseconds
                record.unscaledOriginMilliseconds = shared.unscaled
                record.responder = shared.responder
            }
            record.kvError = result.kvError?.name
            record.isStale = result.isStale
            record.sharedComputation = result.sharedComputation
            record.waitedForDeadline = record.cacheOverheadMilliseconds >= kvDeadlineMilliseconds
            if case .wrong(let reason) = oracle.check(
                question: question, answer: result.entry, isStale: result.isStale, versionAtStart: versionAtStart),
                staleness?.isCoveredStaleAnswer(
                    question: question, answer: result.entry, origin: origin, instance: instance.id,
                    startedMilliseconds: record.startMilliseconds) != true {
                record.wrongAnswer = reason
            }
        }
        return record
    }
}
