/// A key-value backend for the persistent tier: Redis over its protocol, Upstash/Vercel KV over REST, …
///
/// The contract every implementation keeps, because ``TieredCache`` relies on it on the request path:
/// - every call returns (or throws) no later than `deadline` plus a few milliseconds, whatever the server
///   or the network does;
/// - a connection whose reply did not arrive in time, or that saw a protocol error, is closed and never
///   reused, so a late reply can never be read as the answer to another command;
/// - failures are thrown as ``KVError`` with a ``KVError/Code`` that classifies them.
///
/// Keys are passed as the full backend key (namespace prefix included); values are opaque bytes.
public protocol KVStore: Sendable {
    /// A short name for logs and metrics, such as `"redis"`.
    var backendName: String { get }

    /// Reads the value stored at `key`, or `nil` when the key does not exist.
    func get(_ key: String, deadline: ContinuousClock.Instant) async throws(KVError) -> [UInt8]?

    /// Stores `value` at `key`, expiring after `ttl` when it is given (millisecond precision).
    func set(_ key: String, value: [UInt8], ttl: Duration?, deadline: ContinuousClock.Instant) async throws(KVError)

    /// Deletes `keys` (without blocking the server, as `UNLINK` does) and returns how many existed.
    func delete(_ keys: [String], deadline: ContinuousClock.Instant) async throws(KVError) -> Int

    /// One step of an incremental scan: the keys matching the glob `pattern` found from `cursor`, and the
    /// cursor to continue from (`0` when the scan is complete). `count` is a hint, as in `SCAN … COUNT`.
    func scan(
        cursor: UInt64,
        match pattern: String,
        count: Int,
        deadline: ContinuousClock.Instant
    ) async throws(KVError) -> KVScanPage

    /// Checks that the backend answers.
    func ping(deadline: ContinuousClock.Instant) async throws(KVError)

    /// Closes every connection; calls made afterwards fail with ``KVError/Code/shutDown``.
    func shutdown() async

    /// An executor on which calls to this store avoid thread hops (for example the thread that owns the
    /// connection), or `nil`. Request handlers that run under
    /// `withTaskExecutorPreference(store.preferredTaskExecutor)` reach the store without two hops per call.
    var preferredTaskExecutor: (any TaskExecutor)? { get }
}

extension KVStore {
    /// No preference: calls run wherever the caller runs.
    public var preferredTaskExecutor: (any TaskExecutor)? { nil }
}

/// One page of an incremental ``KVStore/scan(cursor:match:count:deadline:)``.
public struct KVScanPage: Sendable, Hashable {
    /// The cursor to pass to the next call; `0` means the scan is complete.
    public var nextCursor: UInt64
    /// The keys found in this step (a key may appear in more than one step, as with Redis `SCAN`).
    public var keys: [String]

    /// Creates a page.
    public init(nextCursor: UInt64, keys: [String]) {
        self.nextCursor = nextCursor
        self.keys = keys
    }
}
