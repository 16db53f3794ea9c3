import NIOCore
import Synchronization

/// An HTTP-level fault the bridge can inject instead of answering (for the scenario runner's REST
/// faults; never enabled by the `kv-rest-bridge` command).
public enum BridgeFault: Sendable, Hashable {
    /// Answer this status with an Upstash-shaped `{"error"}` body (401, 429, 500, 503, …).
    case status(Int)
    /// Answer 200 with a body that is not JSON.
    case malformedBody
    /// Send a valid answer one byte per `interval`.
    case trickle(interval: TimeAmount)
    /// Never answer (the connection stays open).
    case neverRespond
}

/// The fault currently injected into every authenticated request, settable while the bridge runs.
public final class BridgeFaults: Sendable {
    private let current = Mutex<BridgeFault?>(nil)

    /// No fault.
    public init() {}

    /// Injects `fault` into every request from now on, or stops injecting with `nil`.
    public func set(_ fault: BridgeFault?) { current.withLock { $0 = fault } }

    /// The fault to inject into the next request, if any.
    func next() -> BridgeFault? { current.withLock { $0 } }
}
