import RedisServerSupport
import Testing

/// A suite trait that starts one 3-primary cluster for a whole suite (clusters take seconds to start) and
/// removes it after the suite's last test; tests reach it through ``SharedRedisCluster/current``.
struct SharedRedisCluster: SuiteTrait, TestScoping {
    @TaskLocal static var current: RedisCluster?

    let options: RedisCluster.Options

    func provideScope(for test: Test, testCase: Test.Case?, performing function: () async throws -> Void) async throws {
        let cluster = try await RedisCluster.start(options: options)
        defer { cluster.cleanUp() }
        try await Self.$current.withValue(cluster) { try await function() }
    }

    /// The suite's cluster (fails the test when the trait is missing).
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> RedisCluster {
        try #require(current, "the suite needs the .sharedRedisCluster trait", sourceLocation: sourceLocation)
    }
}

extension Trait where Self == SharedRedisCluster {
    /// One cluster (3 primaries, no replicas by default) shared by every test of the suite.
    static func sharedRedisCluster(_ options: RedisCluster.Options = .init(primaries: 3)) -> SharedRedisCluster {
        SharedRedisCluster(options: options)
    }
}
