import CacheCore
import Testing

@Suite("Configuration from the environment")
struct KVBackendSelectionTests {
    @Test("redis:// with user, password, port and database")
    func fullRedisURL() throws {
        let endpoint = try RedisEndpoint(url: "redis://app:s%40cret@cache.internal:6380/3")
        #expect(endpoint.address == .tcp(host: "cache.internal", port: 6380))
        #expect(endpoint.username == "app")
        #expect(endpoint.password == "s@cret")
        #expect(endpoint.database == 3)
        #expect(!endpoint.redactedURL.contains("cret"))
        #expect(endpoint.redactedURL == "redis://app:***@cache.internal:6380/3")
    }

    @Test("password only, defaults, IPv6 and unix sockets")
    func otherForms() throws {
        let passwordOnly = try RedisEndpoint(url: "redis://:pw@localhost")
        #expect(passwordOnly.username == nil)
        #expect(passwordOnly.password == "pw")
        #expect(passwordOnly.address == .tcp(host: "localhost", port: 6379))
        #expect(passwordOnly.database == 0)
        #expect(try RedisEndpoint(url: "redis://[::1]:7000").address == .tcp(host: "::1", port: 7000))
        let socket = try RedisEndpoint(url: "unix:///tmp/redis.sock?db=2&password=pw")
        #expect(socket.address == .unixSocket(path: "/tmp/redis.sock"))
        #expect(socket.database == 2)
        #expect(socket.password == "pw")
        #expect(!socket.redactedURL.contains("pw@") && !socket.redactedURL.contains("=pw"))
    }

    @Test("bad URLs get clear errors", arguments: [
        "rediss://host:6379?ssl_cert_reqs=maybe", "http://host", "redis://", "redis://host:99999", "redis://host/notanumber",
        "unix://relative/path", "not a url at all",
    ])
    func badURLs(url: String) {
        #expect(throws: RedisEndpoint.ParseError.self) { try RedisEndpoint(url: url) }
    }

    @Test("rediss:// parses with redis-py's TLS parameters, verified by default")
    func tlsURLs() throws {
        let plain = try RedisEndpoint(url: "rediss://default:token@cache.example.com:6380/2")
        #expect(plain.address == .tcp(host: "cache.example.com", port: 6380))
        #expect(plain.tls == RedisEndpoint.TLS(caCertificatesPath: nil, verifyPeer: true))
        #expect(plain.database == 2 && plain.password == "token")
        #expect(plain.redactedURL == "rediss://default:***@cache.example.com:6380/2")
        let privateCA = try RedisEndpoint(url: "rediss://h:1?ssl_ca_certs=/etc/ca.pem")
        #expect(privateCA.tls == RedisEndpoint.TLS(caCertificatesPath: "/etc/ca.pem", verifyPeer: true))
        #expect(privateCA.redactedURL.contains("ssl_ca_certs=/etc/ca.pem"))
        let unverified = try RedisEndpoint(url: "rediss://h:1?ssl_cert_reqs=none")
        #expect(unverified.tls?.verifyPeer == false)
        #expect(try RedisEndpoint(url: "redis://h:1").tls == nil)
        #expect(try RedisEndpoint(url: "rediss://h:1?ssl_cert_reqs=required").tls?.verifyPeer == true)
    }

    @Test("nothing set means memory-only")
    func nothing() {
        guard case .memoryOnly = KVBackendSelection.detect(in: [:]) else {
            Issue.record("expected memory-only")
            return
        }
    }

    @Test("REDIS_URL selects Redis; KV_URL wins over it")
    func redisSelected() {
        #expect(KVBackendSelection.detect(in: ["REDIS_URL": "redis://h:1"])
            == .redis(RedisEndpoint(address: .tcp(host: "h", port: 1)), variable: "REDIS_URL"))
        #expect(KVBackendSelection.detect(in: ["REDIS_URL": "redis://a:1", "KV_URL": "redis://b:2"])
            == .redis(RedisEndpoint(address: .tcp(host: "b", port: 2)), variable: "KV_URL"))
    }

    @Test("Vercel's rediss:// KV_URL plus REST variables selects REST, secrets redacted")
    func vercelEnvironment() throws {
        let environment = [
            "KV_URL": "rediss://default:secret@x.upstash.io:6379",
            "KV_REST_API_URL": "https://x.upstash.io/",
            "KV_REST_API_TOKEN": "secret",
        ]
        let selection = KVBackendSelection.detect(in: environment)
        #expect(selection == .rest(try RESTEndpoint(url: "https://x.upstash.io", token: "secret"), variable: "KV_REST_API_URL"))
        var forced = environment
        forced["CACHE_KV_BACKEND"] = "redis"
        guard case .redis(let endpoint, let variable) = KVBackendSelection.detect(in: forced) else {
            Issue.record("expected the Redis backend when forced")
            return
        }
        #expect(variable == "KV_URL" && endpoint.tls?.verifyPeer == true)
        #expect(!selection.description.contains("secret"))
    }

    @Test("REST wins over a usable redis:// URL unless CACHE_KV_BACKEND says otherwise")
    func restFirstAndForcing() throws {
        var environment = ["REDIS_URL": "redis://h:1", "KV_REST_API_URL": "https://u", "KV_REST_API_TOKEN": "t"]
        #expect(KVBackendSelection.detect(in: environment).backendName == "rest")
        environment["CACHE_KV_BACKEND"] = "redis"
        #expect(KVBackendSelection.detect(in: environment).backendName == "redis")
        environment["CACHE_KV_BACKEND"] = "MEMORY"
        guard case .memoryOnly = KVBackendSelection.detect(in: environment) else {
            Issue.record("expected memory-only")
            return
        }
        environment["CACHE_KV_BACKEND"] = "rest"
        environment["KV_REST_API_URL"] = nil
        guard case .unusable(let reason) = KVBackendSelection.detect(in: environment) else {
            Issue.record("expected unusable")
            return
        }
        #expect(reason.contains("CACHE_KV_BACKEND=rest"))
        guard case .unusable = KVBackendSelection.detect(in: ["CACHE_KV_BACKEND": "valkey-cluster"]) else {
            Issue.record("expected unusable")
            return
        }
    }

    @Test("the read-only token alone gives a read-only REST endpoint")
    func readOnlyToken() throws {
        let selection = KVBackendSelection.detect(in: ["KV_REST_API_URL": "https://u", "KV_REST_API_READ_ONLY_TOKEN": "ro"])
        #expect(selection == .rest(try RESTEndpoint(url: "https://u", token: "ro", readOnly: true), variable: "KV_REST_API_URL"))
    }

    @Test("Upstash names are recognised; a URL without its token or a malformed URL is unusable")
    func upstash() throws {
        #expect(KVBackendSelection.detect(in: ["UPSTASH_REDIS_REST_URL": "https://u", "UPSTASH_REDIS_REST_TOKEN": "t"])
            == .rest(try RESTEndpoint(url: "https://u", token: "t"), variable: "UPSTASH_REDIS_REST_URL"))
        guard case .unusable(let reason) = KVBackendSelection.detect(in: ["KV_REST_API_URL": "https://u"]) else {
            Issue.record("expected unusable")
            return
        }
        #expect(reason.contains("KV_REST_API_TOKEN"))
        for url in ["not a url", "ftp://u", "https://", "https://u?x=1"] {
            guard case .unusable = KVBackendSelection.detect(in: ["KV_REST_API_URL": url, "KV_REST_API_TOKEN": "t"]) else {
                Issue.record("expected unusable for \(url)")
                continue
            }
        }
    }

    @Test("a malformed rediss:// parameter is unusable with the reason, secrets redacted")
    func tlsMalformed() {
        guard case .unusable(let reason) = KVBackendSelection.detect(in: ["REDIS_URL": "rediss://:topsecret@h:6380?ssl_cert_reqs=optional"]) else {
            Issue.record("expected unusable")
            return
        }
        #expect(reason.contains("ssl_cert_reqs"))
        #expect(!reason.contains("topsecret"))
    }
}
