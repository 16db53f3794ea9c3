import ArgumentParser
import CacheCore
import CacheRedis
import PCacheKit
import RedisServerSupport
import Testing

/// `pcache doctor` over `rediss://`: the version comes over the store's own TLS connection (it used to be
/// read with a plain-TCP client, so it printed "unknown" for every TLS server, Vercel's `KV_URL` included).
@Suite("pcache doctor over rediss://")
struct PCacheDoctorTLSTests {
    @Test("doctor exits 0 and prints the TLS server's version")
    func versionOverTLS() async throws {
        try await RedisStoreTLSTests.withTLSServer { server, tlsPort, certificates in
            // What the server says about itself over its plain port, for comparison.
            let info = try await server.command(["INFO", "server"])
            let expected = try #require(RedisStore.version(fromInfo: info))
            let url = "rediss://127.0.0.1:\(tlsPort)?ssl_ca_certs=\(certificates.caPath)"
            // A generous deadline: the TLS handshake and the cluster probe run on a machine shared with the
            // other suites, and this test is about the version, not speed.
            let doctor = try DoctorCommand.parse(["--json", "--timeout-ms", "15000"])
            let output = await doctor.execute(environment: ["REDIS_URL": url], logger: RedisStoreTestSupport.quietLogger)
            #expect(output.exitCode == .ok, "\(output.lines)")
            #expect(output.json["serverVersion"] == .string(expected))
            #expect(output.lines.contains("server version: \(expected)"))
        }
    }

    @Test("the version is read from redis_version, or valkey_version on Valkey (whose redis_version is fixed)")
    func versionField() {
        #expect(RedisStore.version(fromInfo: "# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n") == "7.2.4")
        #expect(RedisStore.version(fromInfo: "# Server\r\nredis_version:7.2.4\r\nvalkey_version:8.0.1\r\n") == "8.0.1")
        #expect(RedisStore.version(fromInfo: "# Server\r\nrole:master\r\n") == nil)
    }
}
