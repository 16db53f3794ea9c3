import Synchronization

/// The requests sent whose cache lookup has not ended yet (the cache has neither answered nor asked the origin).
///
/// Why: a fault injected while a request sent just before it was still looking up (its KV read queued behind
/// others, or its task not yet scheduled) made that read meet the fault, and the request, counted in the
/// phase it was sent in, showed as a fallback of the healthy phase before it (`rest-failing`'s `fallbacks
/// [healthy] ≤ 0`: one 401 fallback, 3 ms before the fault). The runner lets those lookups end (briefly, see
/// ``settle(within:)``) before it injects a fault, so a phase's requests meet that phase's tier.
final class PendingLookups: Sendable {
    /// One request's lookup: ended once, by whichever comes first (the origin is asked, or the cache answers).
    final class Lookup: Sendable {
        private let owner: PendingLookups
        private let ended = OnceFlag()

        fileprivate init(owner: PendingLookups) { self.owner = owner }

        /// The lookup is over.
        func end() {
            if ended.claim() { owner.count.withLock { $0 -= 1 } }
        }
    }

    private let count = Mutex(0)

    /// Counts a lookup about to start (called before its request's task is made).
    func begin() -> Lookup {
        count.withLock { $0 += 1 }
        return Lookup(owner: self)
    }

    /// Waits until no lookup is pending, or `limit` passed (a lookup waiting for another instance's lock can
    /// last an origin call: the fault then goes in regardless, as before).
    func settle(within limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while count.withLock({ $0 }) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .microseconds(250))
        }
    }
}
