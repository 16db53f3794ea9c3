import CacheCore

extension RedisStore {
    /// How a ``RedisStore`` connects and reconnects.
    public struct Configuration: Sendable, Hashable {
        /// How many pipelined connections to keep, each owned by its own I/O thread. One shared, pipelined
        /// connection outperforms a pool on these machines (see DESIGN.md §3), so the default is 1.
        public var connectionCount: Int
        /// How long one connection attempt, including `AUTH` and `SELECT`, may take.
        public var connectTimeout: Duration
        /// The wait before the first reconnection attempt after a failed one; it doubles on every failure.
        public var reconnectBackoffInitial: Duration
        /// The longest wait between reconnection attempts.
        public var reconnectBackoffMaximum: Duration

        /// How long a lone caller (no other command outstanding on its connection) spins for its reply before
        /// suspending, and how long the I/O thread keeps polling without sleeping after activity. A reply
        /// that arrives within it costs no thread wake-up. Off (`.zero`) by default: with idle cores 20–50 µs
        /// roughly doubled single-caller throughput in cache-bench, but beside a busy thread on a 2-core
        /// machine (`.loaded` cases) spinning threads took the cores the answer needed and p99 rose to
        /// milliseconds. Both sides back off by themselves after a spin that did not pay; enable it only
        /// where cores are dedicated.
        public var spin: Duration = .zero

        /// Where the backplane's subscriber connection goes (``RedisStore/subscribe(channel:policy:logger:onEvent:)``);
        /// `nil` (the default) means the store's own endpoint. Lets a test or a scenario put that one
        /// connection behind a fault proxy of its own.
        public var subscriberEndpoint: RedisEndpoint?

        var callerSpin: Duration? { spin > .zero ? spin : nil }

        /// Whether a caller may write its command to the socket itself when the connection's I/O thread
        /// sleeps with nothing else to send (plain TCP and unix sockets; TLS always goes through the I/O
        /// thread). On by default: a lone caller's round trip then wakes the I/O thread once (for the
        /// reply) instead of twice. The write is a non-blocking `send` under the connection's lock, so the
        /// caller never blocks; turn it off to compare, or to keep every system call on the I/O thread.
        public var directWrites: Bool = true

        /// Redis Cluster only: whether reads of entries (`GET`/`GETRANGE`) go to a replica of the key's shard
        /// instead of its primary (round robin among its replicas not marked failed; the primary when none answers).
        /// Off by default, as in redis-py (`read_from_replicas`): a replica lags its primary, so a read can
        /// miss a just-written entry or still find a just-invalidated one. Writes, locks, scans and
        /// invalidation always go to primaries. The URL parameter `read_from_replicas=true` turns it on too
        /// (``RedisEndpoint/readFromReplicas``). A one-node ``RedisStore`` ignores it.
        public var readFromReplicas: Bool = false

        /// Redis Cluster only: whether one I/O thread serves the connections to every node (one `poll` over
        /// all their sockets) instead of a thread per connection. On by default: with a thread per node, each
        /// woke for its share of the replies, so on a 2-core machine three nodes cost three times the
        /// wake-ups and system calls of one (`cluster.get.c64` in cache-bench). Each connection keeps its own
        /// deadlines, reconnection, TLS session and direct writes either way. A one-node ``RedisStore`` ignores it.
        public var clusterSharedIOThread: Bool = true

        /// The reconnection backoff as a pair, as the API contract spells it.
        public var reconnectBackoff: (initial: Duration, maximum: Duration) {
            get { (reconnectBackoffInitial, reconnectBackoffMaximum) }
            set {
                reconnectBackoffInitial = newValue.initial
                reconnectBackoffMaximum = newValue.maximum
            }
        }

        /// Creates a configuration. Out-of-range values are clamped: at least one connection, and positive
        /// timeouts and backoffs (the maximum never below the initial backoff).
        public init(
            connectionCount: Int = 1,
            connectTimeout: Duration = .seconds(1),
            reconnectBackoff: (initial: Duration, maximum: Duration) = (.milliseconds(50), .seconds(2))
        ) {
            self.connectionCount = max(1, connectionCount)
            self.connectTimeout = connectTimeout > .zero ? connectTimeout : .seconds(1)
            let initial = reconnectBackoff.initial > .zero ? reconnectBackoff.initial : .milliseconds(50)
            self.reconnectBackoffInitial = initial
            self.reconnectBackoffMaximum = max(initial, reconnectBackoff.maximum)
        }
    }
}
