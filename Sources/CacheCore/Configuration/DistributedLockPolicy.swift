/// Cross-instance single-flight (issue 12): how an instance that misses takes a short lock in the KV tier
/// before computing, and how long the others wait for its answer.
///
/// On by default: it costs two KV round trips per computed miss (take and release the lock) against an
/// origin call that costs seconds and money, and it never makes a request worse than computing locally —
/// without a lock-capable store (``KVLocking``), with the KV tier failing or its breaker open, or when the
/// lock cannot be taken, the instance computes itself. The price is a wait when a lock holder dies: the
/// others wait up to what their lookup left of the KV deadline (never more than ``waitLimit``) before
/// computing themselves.
public struct DistributedLockPolicy: Sendable, Hashable {
    /// Whether instances coordinate through the KV tier at all; off, each instance computes its own misses
    /// (single-flight inside one process still applies).
    public var isEnabled: Bool
    /// How long a lock lives unless its holder releases it: the longest a crashed holder blocks the
    /// others. A computation that takes longer is not stopped, but another instance may start its own.
    public var ttl: Duration
    /// The longest an instance waits for another's answer before computing itself; `nil` means ``ttl``.
    public var maximumWait: Duration?
    /// The first pause between two looks at the entry while another instance computes; it doubles up to
    /// ``maximumPollInterval``.
    public var initialPollInterval: Duration
    /// The longest pause between two looks.
    public var maximumPollInterval: Duration

    /// Creates a policy: locks of 5 s, polling from 5 ms, doubling, up to 50 ms.
    public init(
        isEnabled: Bool = true,
        ttl: Duration = .seconds(5),
        maximumWait: Duration? = nil,
        initialPollInterval: Duration = .milliseconds(5),
        maximumPollInterval: Duration = .milliseconds(50)
    ) {
        self.isEnabled = isEnabled
        self.ttl = max(ttl, .milliseconds(1))
        self.maximumWait = maximumWait
        self.initialPollInterval = max(initialPollInterval, .microseconds(100))
        self.maximumPollInterval = max(maximumPollInterval, self.initialPollInterval)
    }

    /// No coordination between instances.
    public static let disabled = DistributedLockPolicy(isEnabled: false)

    /// How long a waiter waits at most.
    public var waitLimit: Duration { maximumWait ?? ttl }
}
