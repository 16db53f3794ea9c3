import Foundation
import PCacheKit
import PersistentCache
import Testing

@Suite("pcache: doctor's exit codes and get/set/invalidate, in-process")
struct PCacheCommandTests {
    private func doctor(_ environment: [String: String], _ arguments: [String] = []) async throws -> CommandOutput {
        let command = try DoctorCommand.parse(arguments)
        return await command.execute(environment: environment, logger: quietLogger)
    }

    @Test("doctor: 0 against the bridge and against redis, with latency and the server's version")
    func doctorWorks() async throws {
        let fixture = try await BridgeFixture.start()
        let rest = try await doctor(fixture.environment, ["--json"])
        #expect(rest.exitCode == .ok)
        #expect(rest.json["backend"] == .string("rest"))
        #expect(rest.json["status"] == .string("ok"))
        if case .string(let version) = rest.json["serverVersion"] {
            #expect(version.first?.isNumber == true)
        } else {
            Issue.record("no server version")
        }
        guard case .object(let latencies) = rest.json["latencyMs"] else {
            Issue.record("no latencies")
            return
        }
        #expect(Set(latencies.keys) == ["ping", "set", "get", "delete"])
        let rendered = rest.rendered(asJSON: true)
        #expect(!rendered.contains(BridgeFixture.token))
        #expect(rendered.contains("\"exitCode\":0"))
        let redis = try await doctor(["REDIS_URL": fixture.redis.url])
        #expect(redis.exitCode == .ok)
        #expect(redis.lines.contains { $0.hasPrefix("server version: 7") || $0.hasPrefix("server version: ") })
        // The probe cleans up after itself.
        #expect(try await fixture.redis.command(["DBSIZE"]).hasPrefix(":0"))
        await fixture.stop()
    }

    @Test("doctor: 1 with class auth for a wrong token, 1 with connection_refused when nothing listens")
    func doctorFails() async throws {
        let fixture = try await BridgeFixture.start()
        var wrong = fixture.environment
        wrong["KV_REST_API_TOKEN"] = "definitely-wrong"
        let auth = try await doctor(wrong, ["--json"])
        #expect(auth.exitCode == .kvFailed)
        #expect(auth.json["errorClass"] == .string("auth"))
        #expect(auth.lines.contains { $0.contains("class auth") })
        #expect(!auth.rendered(asJSON: false).contains("definitely-wrong"))
        let port = fixture.bridge.port
        await fixture.stop()
        let refused = try await doctor(["KV_REST_API_URL": "http://127.0.0.1:\(port)", "KV_REST_API_TOKEN": "t"])
        #expect(refused.exitCode == .kvFailed)
        #expect(refused.json["errorClass"] == .string("connection_refused"))
    }

    @Test("doctor: 3 with nothing configured, 2 with a malformed URL or a URL without its token")
    func doctorConfiguration() async throws {
        #expect(try await doctor([:]).exitCode == .memoryOnly)
        #expect(try await doctor(["KV_REST_API_URL": "not a url", "KV_REST_API_TOKEN": "t"]).exitCode == .unusable)
        #expect(try await doctor(["KV_REST_API_URL": "ftp://host", "KV_REST_API_TOKEN": "t"]).exitCode == .unusable)
        #expect(try await doctor(["KV_REST_API_URL": "https://host"]).exitCode == .unusable)
        #expect(try await doctor(["REDIS_URL": "redis://host:99999"]).exitCode == .unusable)
        #expect(try await doctor(["CACHE_KV_BACKEND": "carrier-pigeon"]).exitCode == .unusable)
        let secret = try await doctor(["REDIS_URL": "rediss://:topsecret@host:6380?ssl_cert_reqs=maybe"], ["--json"])
        #expect(secret.exitCode == .unusable)
        #expect(!secret.rendered(asJSON: true).contains("topsecret"))
    }

    @Test("set, get, invalidate --dry-run and invalidate, under a namespace, on REST and Redis")
    func entries() async throws {
        let fixture = try await BridgeFixture.start()
        for environment in [fixture.environment, ["REDIS_URL": fixture.redis.url]] {
            let set = try SetCommand.parse(["--namespace", "app", "faq:1", "forty-two", "--ttl", "120"])
            #expect(await set.execute(environment: environment, logger: quietLogger).exitCode == .ok)
            let get = try GetCommand.parse(["--namespace", "app", "--json", "faq:1"])
            let read = await get.execute(environment: environment, logger: quietLogger)
            #expect(read.exitCode == .ok)
            #expect(read.json["value"] == .string("forty-two"))
            #expect(read.json["source"] == .string("pcache"))
            let dry = try InvalidateCommand.parse(["--namespace", "app", "faq:*", "--dry-run"])
            let listed = await dry.execute(environment: environment, logger: quietLogger)
            #expect(listed.json["keys"] == .array([.string("app:faq:1")]))
            #expect(try await fixture.redis.command(["EXISTS", "app:faq:1"]).hasPrefix(":1"))
            let real = try InvalidateCommand.parse(["--namespace", "app", "faq:*"])
            #expect(await real.execute(environment: environment, logger: quietLogger).json["deleted"] == .int(1))
            let miss = await get.execute(environment: environment, logger: quietLogger)
            #expect(miss.exitCode == .miss)
        }
        #expect(await (try GetCommand.parse(["x"])).execute(environment: [:], logger: quietLogger).exitCode == .memoryOnly)
        await fixture.stop()
    }
}
