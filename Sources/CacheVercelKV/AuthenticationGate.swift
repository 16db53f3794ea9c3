import CacheCore
import Logging
import Synchronization

/// Fails fast for a while after the server refused the token, so a wrong token costs one log line and
/// one request per back-off period instead of a refused request (and a log line) per cache call.
final class AuthenticationGate: Sendable {
    private let closedUntil = Mutex<ContinuousClock.Instant?>(nil)
    private let backoff: Duration

    init(backoff: Duration) { self.backoff = backoff }

    /// Throws ``KVError/Code/authentication`` while the gate is closed.
    func check() throws(KVError) {
        let until = closedUntil.withLock { $0 }
        if let until, ContinuousClock.now < until {
            throw KVError(.authentication, "the REST token was refused; failing fast until the back-off ends")
        }
    }

    /// Closes the gate after a 401/403; only the call that closes it logs.
    func refused(status: UInt, logger: Logger) {
        let now = ContinuousClock.now
        let closedNow = closedUntil.withLock { until -> Bool in
            if let until, now < until { return false }
            until = now + backoff
            return true
        }
        guard closedNow else { return }
        logger.error("cache_kv_auth_failed", metadata: [
            "backend": "rest", "status": "\(status)",
            "failFastSeconds": "\(backoff.components.seconds)",
            "hint": "check KV_REST_API_TOKEN (or UPSTASH_REDIS_REST_TOKEN)",
        ])
    }
}
