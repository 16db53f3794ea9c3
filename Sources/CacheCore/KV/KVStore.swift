/// A key-value backend for the persistent tier: Redis over its protocol, Upstash/Vercel KV over REST, …
///
/// The contract every implementation keeps, because ``TieredCache`` relies on it on the request path:
/// - every call returns (or throws) no later than `deadline` plus a few milliseconds, whatever the server
///   or the network does;
/// - a connection whose reply did not arrive in time, or that saw a protocol error, is closed and never
///   reused, so a late reply can never be read as the answer to another command;
/// - failures are thrown as ``KVError`` with a ``KVError/Code`` that classifies them.
///
/// Keys are passed as the full backend key (namespace prefix included); values are opaque bytes. Keys that
/// come back from the server (``scan(cursor:match:count:deadline:)``) are raw bytes, because another client
/// may have written keys that are not valid UTF-8, and such a key must be deleted under its real name.
public protocol KVStore: Sendable {
    /// A short name for logs and metrics, such as `"redis"`.
    var backendName: String { get }

    /// Reads the value stored at `key`, or `nil` when the key does not exist.
    ///
    /// - `maximumBytes`: a value longer than this is never loaded whole: the store transfers at most
    ///   `maximumBytes + 1` bytes and throws ``KVError/Code/valueTooLarge``. With a limit, an empty stored
    ///   value may read as `nil`.
    /// - `verify`: run on the value before the store accepts the reply, on the thread that read it. When it
    ///   returns `false` the reply is proven not to belong to this command (replies paired with the wrong
    ///   command): the store throws ``KVError/Code/protocolError`` and closes the connection that delivered
    ///   it, so that no later reply on it is trusted either.
    func get(
        _ key: String,
        maximumBytes: Int,
        verify: KVReplyCheck?,
        deadline: ContinuousClock.Instant
    ) async throws(KVError) -> [UInt8]?

    /// Stores `value` at `key`, expiring after `ttl` when it is given (millisecond precision).
    func set(_ key: String, value: [UInt8], ttl: Duration?, deadline: ContinuousClock.Instant) async throws(KVError)

    /// Deletes `keys` (raw bytes, binary-safe; without blocking the server, as `UNLINK` does) and returns
    /// how many existed.
    func delete(_ keys: [[UInt8]], deadline: ContinuousClock.Instant) async throws(KVError) -> Int

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

/// A check a reader runs on a value before accepting it as the reply to its own command; `false` proves
/// the reply belongs to another command (see ``KVStore/get(_:maximumBytes:verify:deadline:)``).
public typealias KVReplyCheck = @Sendable ([UInt8]) -> Bool

extension KVStore {
    /// No preference: calls run wherever the caller runs.
    public var preferredTaskExecutor: (any TaskExecutor)? { nil }

    /// Reads the value stored at `key` with no size limit and no check, or `nil` when the key does not exist.
    public func get(_ key: String, deadline: ContinuousClock.Instant) async throws(KVError) -> [UInt8]? {
        try await get(key, maximumBytes: .max, verify: nil, deadline: deadline)
    }

    /// Deletes keys given as strings (sent as their UTF-8 bytes) and returns how many existed.
    public func delete(_ keys: [String], deadline: ContinuousClock.Instant) async throws(KVError) -> Int {
        try await delete(keys.map { Array($0.utf8) }, deadline: deadline)
    }
}

/// One page of an incremental ``KVStore/scan(cursor:match:count:deadline:)``.
public struct KVScanPage: Sendable, Hashable {
    /// The cursor to pass to the next call; `0` means the scan is complete.
    public var nextCursor: UInt64
    /// The keys found in this step, as the server's raw bytes (a key may appear in more than one step, as
    /// with Redis `SCAN`).
    public var keys: [[UInt8]]

    /// Creates a page.
    public init(nextCursor: UInt64, keys: [[UInt8]]) {
        self.nextCursor = nextCursor
        self.keys = keys
    }

    /// Creates a page from keys given as strings (their UTF-8 bytes).
    public init(nextCursor: UInt64, keys: [String]) {
        self.init(nextCursor: nextCursor, keys: keys.map { Array($0.utf8) })
    }
}
