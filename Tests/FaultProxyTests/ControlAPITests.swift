import FaultProxy
import Foundation
import Logging
import Testing

@Suite("Toxiproxy-compatible control API")
struct ControlAPITests {
    /// A control server with its own registry and an echo server to point proxies at.
    private func withControlServer(_ body: (_ port: Int, _ upstream: String, ProxyRegistry) async throws -> Void)
        async throws
    {
        let echo = try await EchoServer.start()
        let registry = ProxyRegistry(seed: 3, logger: Logger(label: "fault-proxy-test"))
        let server = try await ControlServer.start(registry: registry, port: 0)
        do {
            try await body(server.address.port, echo.address, registry)
        } catch {
            await server.close()
            await registry.shutdown()
            await echo.stop()
            throw error
        }
        await server.close()
        await registry.shutdown()
        await echo.stop()
    }

    @Test("GET /version answers Toxiproxy's version as JSON")
    func version() async throws {
        try await withControlServer { port, _, _ in
            let answer = try await http("GET", "/version", port: port)
            #expect(answer.status == 200)
            #expect(answer.object?["version"] as? String == "2.12.0")
        }
    }

    @Test("creating, listing and reading proxies")
    func createAndList() async throws {
        try await withControlServer { port, upstream, _ in
            let created = try await http("POST", "/proxies", body: #"{"name":"db","upstream":"\#(upstream)"}"#, port: port)
            #expect(created.status == 201)
            let proxy = try #require(created.object)
            #expect(proxy["name"] as? String == "db")
            #expect(proxy["upstream"] as? String == upstream)
            #expect(proxy["enabled"] as? Bool == true)
            #expect((proxy["toxics"] as? [Any])?.isEmpty == true)
            let listen = try #require(proxy["listen"] as? String)
            #expect(listen.hasPrefix("127.0.0.1:") && !listen.hasSuffix(":0"))

            let all = try await http("GET", "/proxies", port: port)
            #expect(all.status == 200)
            #expect((all.object?["db"] as? [String: Any])?["listen"] as? String == listen)

            let one = try await http("GET", "/proxies/db", port: port)
            #expect(one.status == 200)
            #expect(one.object?["listen"] as? String == listen)
        }
    }

    @Test("proxy errors: 409 duplicate, 400 missing fields or bad body, 404 unknown, 500 bind failure")
    func proxyErrors() async throws {
        try await withControlServer { port, upstream, _ in
            let body = #"{"name":"dup","upstream":"\#(upstream)"}"#
            #expect(try await http("POST", "/proxies", body: body, port: port).status == 201)
            let duplicate = try await http("POST", "/proxies", body: body, port: port)
            #expect(duplicate.status == 409)
            #expect(duplicate.object?["status"] as? Int == 409)
            #expect(duplicate.object?["error"] is String)

            #expect(try await http("POST", "/proxies", body: #"{"name":"x"}"#, port: port).status == 400)
            #expect(try await http("POST", "/proxies", body: #"{"upstream":"\#(upstream)"}"#, port: port).status == 400)
            #expect(try await http("POST", "/proxies", body: "{not json", port: port).status == 400)
            #expect(try await http("POST", "/proxies", body: "", port: port).status == 400)
            #expect(try await http("GET", "/proxies/missing", port: port).status == 404)
            #expect(try await http("DELETE", "/proxies/missing", port: port).status == 404)

            // The echo server already holds its port.
            let busy = try await http(
                "POST", "/proxies", body: #"{"name":"busy","listen":"\#(upstream)","upstream":"\#(upstream)"}"#,
                port: port)
            #expect(busy.status == 500)
            #expect(busy.object?["status"] as? Int == 500)
        }
    }

    @Test("updates merge fields; disabling and enabling keeps the port; DELETE answers 204")
    func updateAndDelete() async throws {
        try await withControlServer { port, upstream, _ in
            let created = try await http("POST", "/proxies", body: #"{"name":"u","upstream":"\#(upstream)"}"#, port: port)
            let listen = try #require(created.object?["listen"] as? String)

            let disabled = try await http("POST", "/proxies/u", body: #"{"enabled":false}"#, port: port)
            #expect(disabled.status == 200)
            #expect(disabled.object?["enabled"] as? Bool == false)
            #expect(disabled.object?["upstream"] as? String == upstream)
            #expect(disabled.object?["listen"] as? String == listen)

            let enabled = try await http("PATCH", "/proxies/u", body: #"{"enabled":true}"#, port: port)
            #expect(enabled.object?["enabled"] as? Bool == true)
            #expect(enabled.object?["listen"] as? String == listen)

            #expect(try await http("DELETE", "/proxies/u", port: port).status == 204)
            #expect(try await http("GET", "/proxies/u", port: port).status == 404)
        }
    }

    @Test("toxics: create with defaults, list, read, merge-update, errors, delete")
    func toxics() async throws {
        try await withControlServer { port, upstream, _ in
            _ = try await http("POST", "/proxies", body: #"{"name":"t","upstream":"\#(upstream)"}"#, port: port)
            let created = try await http(
                "POST", "/proxies/t/toxics", body: #"{"type":"latency","attributes":{"latency":50}}"#, port: port)
            #expect(created.status == 200)
            let toxic = try #require(created.object)
            #expect(toxic["name"] as? String == "latency_downstream")
            #expect(toxic["stream"] as? String == "downstream")
            #expect(toxic["toxicity"] as? Double == 1)
            #expect(toxic["attributes"] as? [String: Int] == ["latency": 50, "jitter": 0])

            let list = try await http("GET", "/proxies/t/toxics", port: port)
            #expect(list.status == 200)
            #expect(list.array?.count == 1)

            let patched = try await http(
                "PATCH", "/proxies/t/toxics/latency_downstream", body: #"{"attributes":{"jitter":5},"toxicity":0.5}"#,
                port: port)
            #expect(patched.status == 200)
            #expect(patched.object?["attributes"] as? [String: Int] == ["latency": 50, "jitter": 5])
            #expect(patched.object?["toxicity"] as? Double == 0.5)

            let read = try await http("GET", "/proxies/t/toxics/latency_downstream", port: port)
            #expect(read.object?["attributes"] as? [String: Int] == ["latency": 50, "jitter": 5])
            #expect((try await http("GET", "/proxies/t", port: port).object?["toxics"] as? [Any])?.count == 1)

            let duplicate = try await http("POST", "/proxies/t/toxics", body: #"{"type":"latency"}"#, port: port)
            #expect(duplicate.status == 409)
            #expect(try await http("POST", "/proxies/t/toxics", body: #"{"type":"boom"}"#, port: port).status == 400)
            #expect(
                try await http("POST", "/proxies/t/toxics", body: #"{"type":"latency","stream":"sideways"}"#, port: port)
                    .status == 400)
            #expect(try await http("POST", "/proxies/t/toxics", body: #"{"name":"x"}"#, port: port).status == 400)
            #expect(try await http("POST", "/proxies/nope/toxics", body: #"{"type":"latency"}"#, port: port).status == 404)
            #expect(try await http("GET", "/proxies/t/toxics/nope", port: port).status == 404)

            let upstreamToxic = try await http(
                "POST", "/proxies/t/toxics", body: #"{"type":"slicer","stream":"upstream"}"#, port: port)
            #expect(upstreamToxic.object?["name"] as? String == "slicer_upstream")
            #expect(upstreamToxic.object?["attributes"] as? [String: Int] == ["average_size": 0, "size_variation": 0, "delay": 0])

            #expect(try await http("DELETE", "/proxies/t/toxics/latency_downstream", port: port).status == 204)
            #expect(try await http("GET", "/proxies/t/toxics/latency_downstream", port: port).status == 404)
            #expect(try await http("DELETE", "/proxies/t/toxics/latency_downstream", port: port).status == 404)
        }
    }

    @Test("attributes too large for any timer or counter get 400, not a crash", arguments: [
        #"{"type":"latency","attributes":{"latency":100000000000000}}"#,
        #"{"type":"timeout","attributes":{"timeout":9000000000000000}}"#,
        #"{"type":"slicer","attributes":{"average_size":1,"delay":9000000000000000}}"#,
        #"{"type":"bandwidth","attributes":{"rate":9000000000000000}}"#,
    ])
    func hugeAttributes(body: String) async throws {
        try await withControlServer { port, upstream, _ in
            _ = try await http("POST", "/proxies", body: #"{"name":"h","upstream":"\#(upstream)"}"#, port: port)
            let answer = try await http("POST", "/proxies/h/toxics", body: body, port: port)
            #expect(answer.status == 400)
            #expect(answer.object?["error"] is String)
            #expect(try await http("GET", "/version", port: port).status == 200)
        }
    }

    @Test("0 and 1 are numbers, not booleans (as toxiproxy-python sends them); booleans are not numbers")
    func numbersAndBooleans() async throws {
        try await withControlServer { port, upstream, _ in
            _ = try await http("POST", "/proxies", body: #"{"name":"n","upstream":"\#(upstream)","enabled":true}"#, port: port)
            let toxic = try await http(
                "POST", "/proxies/n/toxics",
                body: #"{"name":"z","type":"latency","toxicity":1,"attributes":{"latency":1,"jitter":0}}"#, port: port)
            #expect(toxic.status == 200)
            #expect(toxic.object?["attributes"] as? [String: Int] == ["latency": 1, "jitter": 0])
            let boolean = try await http(
                "POST", "/proxies/n/toxics", body: #"{"type":"bandwidth","attributes":{"rate":true}}"#, port: port)
            #expect(boolean.status == 400)
            #expect(try await http("POST", "/proxies/n", body: #"{"enabled":0}"#, port: port).status == 400)
        }
    }

    @Test("populate creates several proxies, with toxics, and answers 201")
    func populate() async throws {
        try await withControlServer { port, upstream, _ in
            let body = """
                [{"name":"p1","upstream":"\(upstream)"},
                 {"name":"p2","upstream":"\(upstream)","enabled":false,
                  "toxics":[{"type":"bandwidth","attributes":{"rate":10}}]}]
                """
            let answer = try await http("POST", "/populate", body: body, port: port)
            #expect(answer.status == 201)
            let proxies = try #require(answer.object?["proxies"] as? [[String: Any]])
            #expect(proxies.map { $0["name"] as? String } == ["p1", "p2"])
            #expect(proxies[1]["enabled"] as? Bool == false)
            #expect((proxies[1]["toxics"] as? [Any])?.count == 1)

            #expect(try await http("POST", "/populate", body: #"{"nope":1}"#, port: port).status == 400)
            #expect(try await http("POST", "/populate", body: #"[{"name":"p3"}]"#, port: port).status == 400)
        }
    }

    @Test("reset enables every proxy and drops every toxic")
    func reset() async throws {
        try await withControlServer { port, upstream, _ in
            _ = try await http("POST", "/proxies", body: #"{"name":"r","upstream":"\#(upstream)"}"#, port: port)
            _ = try await http("POST", "/proxies/r/toxics", body: #"{"type":"timeout"}"#, port: port)
            _ = try await http("POST", "/proxies/r", body: #"{"enabled":false}"#, port: port)
            #expect(try await http("POST", "/reset", port: port).status == 204)
            let proxy = try await http("GET", "/proxies/r", port: port)
            #expect(proxy.object?["enabled"] as? Bool == true)
            #expect((proxy.object?["toxics"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("the server keeps serving on the same connection after a bad request")
    func keepsServingAfterBadRequest() async throws {
        try await withControlServer { port, _, _ in
            let connection = try await TestConnection.connect(port: port)
            defer { connection.close() }
            try await connection.send(
                rawRequest("POST", "/proxies", body: "][", keepAlive: true)
                    + rawRequest("GET", "/nowhere", body: nil, keepAlive: true)
                    + rawRequest("GET", "/version", body: nil, keepAlive: false))
            _ = try await connection.waitForEnding()
            let answers = parseAnswers(String(decoding: connection.receivedBytes, as: UTF8.self))
            #expect(answers.map(\.status) == [400, 404, 200])
            #expect(answers.last?.object?["version"] as? String == "2.12.0")
        }
    }

    @Test("a toxic added over HTTP affects traffic through the proxy")
    func toxicOverHTTPAffectsTraffic() async throws {
        try await withControlServer { port, upstream, _ in
            let created = try await http("POST", "/proxies", body: #"{"name":"live","upstream":"\#(upstream)"}"#, port: port)
            let listen = try #require(created.object?["listen"] as? String)
            let proxyPort = try #require(Int(listen.split(separator: ":").last ?? ""))
            _ = try await http(
                "POST", "/proxies/live/toxics", body: #"{"type":"latency","stream":"upstream","attributes":{"latency":150}}"#,
                port: port)
            let client = try await TestConnection.connect(port: proxyPort)
            defer { client.close() }
            let start = ContinuousClock.now
            try await client.send("hi")
            #expect(try await client.waitForText("hi") == "hi")
            #expect(ContinuousClock.now - start >= .milliseconds(150))
        }
    }
}
