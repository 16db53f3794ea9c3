extension VercelKVStore {
    /// How the REST tier talks to its endpoint.
    public struct Configuration: Sendable, Hashable {
        /// Whether concurrent commands share one `/pipeline` request (automatic pipelining, as `@vercel/kv`
        /// enabled by default). Off: one HTTP request per command.
        public var automaticPipelining: Bool
        /// How many HTTP requests may be in flight at once; commands that arrive meanwhile wait and leave
        /// together in the next `/pipeline` request. Also the keep-alive pool's size.
        ///
        /// Why 2 by default: fewer requests in flight make each `/pipeline` carry more commands, and a command
        /// costs far less inside a batch than a request does. With 64 callers, 2 in flight gave 0.64–0.68 ×
        /// `redis-benchmark`'s GET rate through the local bridge, against 0.42 × with 4 (cache-bench
        /// `rest.get.c64`, same machine, same day). One request alone still leaves at once, and a stalled
        /// request frees its slot at its deadline (the HTTP client's deadline covers the body).
        public var maximumConcurrentRequests: Int
        /// The most commands one `/pipeline` request carries.
        public var maximumBatchSize: Int
        /// How long the tier fails fast after the server refused the token (401/403), instead of sending
        /// every command to be refused again.
        public var authenticationBackoff: Duration
        /// The largest response body read; a longer one is a protocol error.
        public var maximumResponseBytes: Int

        /// Creates a configuration; the defaults suit a serverless function talking to Vercel KV.
        public init(
            automaticPipelining: Bool = true,
            maximumConcurrentRequests: Int = 2,
            maximumBatchSize: Int = 256,
            authenticationBackoff: Duration = .seconds(30),
            maximumResponseBytes: Int = 64 << 20
        ) {
            self.automaticPipelining = automaticPipelining
            self.maximumConcurrentRequests = max(1, maximumConcurrentRequests)
            self.maximumBatchSize = max(1, maximumBatchSize)
            self.authenticationBackoff = authenticationBackoff
            self.maximumResponseBytes = max(1024, maximumResponseBytes)
        }
    }
}
