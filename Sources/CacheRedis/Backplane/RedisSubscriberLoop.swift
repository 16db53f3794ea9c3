import CacheCore
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The body of a ``RedisSubscriber``'s thread: connect (TCP, unix or TLS, as the store), `AUTH`,
/// `SUBSCRIBE`, then read messages and answer heartbeats until the link breaks or the subscriber is
/// cancelled; reconnect with backoff. Blocking waits are `poll`s of at most 50 ms, so a cancel is seen fast.
///
/// Not `Sendable`: made and used on the subscriber's thread only.
final class RedisSubscriberLoop {
    struct Settings: Sendable {
        let endpoint: RedisEndpoint
        let channel: String
        let policy: BackplanePolicy
        let connectTimeout: Duration
        let logger: Logger
    }

    private struct Cancelled: Error {}

    private let settings: Settings
    private let subscriber: RedisSubscriber
    private let onEvent: @Sendable (BackplaneEvent) -> Void
    private let reader = RedisReplyReader()
    private var input = [UInt8](repeating: 0, count: 16 * 1024)
    private var tlsContext: RedisTLSContext?
    /// Replies parsed but not consumed yet.
    private var replies: [RedisReply] = []
    private static let slice: Duration = .milliseconds(50)

    init(settings: Settings, subscriber: RedisSubscriber, onEvent: @escaping @Sendable (BackplaneEvent) -> Void) {
        self.settings = settings
        self.subscriber = subscriber
        self.onEvent = onEvent
    }

    func run() {
        var backoff: Duration = .milliseconds(50)
        var attemptsFailed = 0
        while !subscriber.isCancelled {
            var subscribed = false
            var transport: RedisTransport?
            let failure: KVError?
            do {
                try session(transport: &transport, subscribed: &subscribed)
                failure = nil
            } catch let error as KVError {
                failure = error
            } catch {
                failure = nil // cancelled
            }
            transport?.close()
            reader.reset()
            replies = []
            guard let failure, !subscriber.isCancelled else { return }
            if subscribed {
                onEvent(.disconnected(failure))
                backoff = .milliseconds(50)
                attemptsFailed = 0
            } else {
                attemptsFailed += 1
                // The first failed attempt after a break is reported by the break itself; later ones are noise.
                if attemptsFailed == 1 {
                    settings.logger.debug("redis subscriber could not connect", metadata: ["error": "\(failure)"])
                }
            }
            let until = ContinuousClock.now + backoff
            while !subscriber.isCancelled, ContinuousClock.now < until {
                Thread.sleep(forTimeInterval: 0.01)
            }
            backoff = min(backoff * 2, settings.policy.reconnectBackoffMaximum)
        }
    }

    // MARK: - One connection

    private func session(transport slot: inout RedisTransport?, subscribed: inout Bool) throws {
        let connectDeadline = ContinuousClock.now + settings.connectTimeout
        let transport = try connect(deadline: connectDeadline)
        slot = transport
        var handshake: [UInt8] = []
        var expectsAuth = false
        if let password = settings.endpoint.password {
            let arguments = settings.endpoint.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            RedisCommand(arguments, expecting: .ok).encode(into: &handshake)
            expectsAuth = true
        }
        RedisCommand(["SUBSCRIBE", settings.channel], expecting: .integer).encode(into: &handshake)
        // Every message published after this instant reaches this connection once the SUBSCRIBE is answered.
        let since = ContinuousClock.now
        try writeAll(handshake, to: transport, deadline: connectDeadline)
        if expectsAuth {
            let reply = try nextReply(from: transport, deadline: connectDeadline)
            guard case .status("OK") = reply else {
                if case .error(let text) = reply { throw KVError(.authentication, "AUTH refused: \(text.prefix(80))") }
                throw KVError(.protocolError, "unexpected AUTH reply: \(reply.shortDescription)")
            }
        }
        let confirmation = try nextReply(from: transport, deadline: connectDeadline)
        guard case .array(let parts) = confirmation, parts.count == 3, Self.text(parts[0]) == "subscribe" else {
            if case .error(let text) = confirmation { throw KVError(.serverError, "SUBSCRIBE refused: \(text.prefix(80))") }
            throw KVError(.protocolError, "unexpected SUBSCRIBE reply: \(confirmation.shortDescription)")
        }
        subscribed = true
        onEvent(.subscribed(since: since))
        try listen(on: transport)
    }

    /// Reads messages and heartbeats until the link breaks (throws) or the subscriber is cancelled.
    private func listen(on transport: RedisTransport) throws {
        let policy = settings.policy
        var pings: [ContinuousClock.Instant] = []
        var nextPing = ContinuousClock.now + policy.heartbeatInterval
        var ping: [UInt8] = []
        RedisCommand(["PING"], expecting: .pong).encode(into: &ping)
        while !subscriber.isCancelled {
            var now = ContinuousClock.now
            if let oldest = pings.first, now - oldest > policy.maximumStaleness {
                throw KVError(.timeout, "a heartbeat went unanswered for \(policy.maximumStaleness)")
            }
            if now >= nextPing {
                // Stamped before it is written: its answer vouches for everything published before this.
                pings.append(now)
                try writeAll(ping, to: transport, deadline: now + policy.maximumStaleness)
                nextPing = now + policy.heartbeatInterval
                now = ContinuousClock.now
            }
            var wakeUp = min(nextPing, now + Self.slice)
            if let oldest = pings.first { wakeUp = min(wakeUp, oldest + policy.maximumStaleness) }
            guard try fill(from: transport, until: wakeUp) else { continue }
            while let reply = try parsed() {
                guard case .array(let parts) = reply, let kind = parts.first.flatMap(Self.text) else {
                    if case .error(let text) = reply { throw KVError(.serverError, "subscriber error: \(text.prefix(80))") }
                    throw KVError(.protocolError, "unexpected reply on the subscriber connection: \(reply.shortDescription)")
                }
                switch kind {
                case "message":
                    if parts.count == 3, case .bulkString(let payload) = parts[2] { onEvent(.message(payload)) }
                case "pong":
                    guard !pings.isEmpty else { throw KVError(.protocolError, "a PONG nobody asked for") }
                    onEvent(.confirmed(asOf: pings.removeFirst()))
                default:
                    continue
                }
            }
        }
        throw Cancelled()
    }

    // MARK: - Connecting

    private func connect(deadline: ContinuousClock.Instant) throws -> RedisTransport {
        let addresses: [RedisSocketAddress]
        switch settings.endpoint.address {
        case .unixSocket(let path):
            guard let address = RedisSocketAddress(unixPath: path) else {
                throw KVError(.connectionRefused, "unix socket path too long: \(path)")
            }
            addresses = [address]
        case .tcp(let host, let port):
            if let literal = RedisSocketAddress(numericHost: host, port: port) {
                addresses = [literal]
            } else {
                // Blocking, but on this thread of its own.
                addresses = try SystemHostResolver.lookUp(host: host, port: port).get()
            }
        }
        var lastError = KVError(.connectionRefused, "no address to connect to")
        for address in addresses {
            switch RedisTransport.connect(to: address) {
            case .failure(let error):
                lastError = error
            case .success((let transport, let progress)):
                if progress != .done {
                    guard try wait(for: Int16(POLLOUT), on: transport, until: deadline) else {
                        transport.close()
                        throw KVError(.timeout, "connect timed out")
                    }
                    if let error = transport.finishConnect(family: address.family) {
                        transport.close()
                        lastError = error
                        continue
                    }
                }
                try startTLSIfNeeded(on: transport, deadline: deadline)
                return transport
            }
        }
        throw lastError
    }

    private func startTLSIfNeeded(on transport: RedisTransport, deadline: ContinuousClock.Instant) throws {
        guard let tls = settings.endpoint.tls, case .tcp(let host, _) = settings.endpoint.address else { return }
        if tlsContext == nil { tlsContext = try RedisTLSContext(settings: tls) }
        try transport.startTLS(context: tlsContext!, host: host)
        while true {
            switch transport.continueHandshake() {
            case .success(.done): return
            case .success(.wantRead):
                guard try wait(for: Int16(POLLIN), on: transport, until: deadline) else { throw KVError(.timeout, "TLS handshake timed out") }
            case .success(.wantWrite):
                guard try wait(for: Int16(POLLOUT), on: transport, until: deadline) else { throw KVError(.timeout, "TLS handshake timed out") }
            case .failure(let error): throw error
            }
        }
    }

    // MARK: - I/O

    /// Waits until `transport` is ready for `events` (true) or `deadline` passes (false), in slices that
    /// check for a cancel.
    private func wait(for events: Int16, on transport: RedisTransport, until deadline: ContinuousClock.Instant) throws -> Bool {
        while true {
            if subscriber.isCancelled { throw Cancelled() }
            let now = ContinuousClock.now
            guard now < deadline else { return false }
            let remaining = min(deadline - now, Self.slice)
            var descriptor = pollfd(fd: transport.descriptor, events: events, revents: 0)
            let milliseconds = Int32(max(1, remaining / .milliseconds(1)))
            let status = poll(&descriptor, 1, milliseconds)
            if status > 0 {
                if descriptor.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0, descriptor.revents & events == 0 {
                    throw KVError(.connectionReset, "the subscriber connection was closed")
                }
                return true
            }
            if status < 0 && errno != EINTR { throw KVError(.connectionReset, "poll failed: \(String(cString: strerror(errno)))") }
        }
    }

    private func writeAll(_ bytes: [UInt8], to transport: RedisTransport, deadline: ContinuousClock.Instant) throws {
        var offset = 0
        while offset < bytes.count {
            let written = try bytes.withUnsafeBytes { raw in
                try transport.write(UnsafeRawBufferPointer(rebasing: raw[offset...])).get()
            }
            offset += written
            if offset < bytes.count, written == 0 {
                guard try wait(for: Int16(POLLOUT), on: transport, until: deadline) else {
                    throw KVError(.timeout, "the subscriber connection does not take writes")
                }
            }
        }
    }

    /// Reads what arrives before `deadline` into the parser; false when nothing did.
    private func fill(from transport: RedisTransport, until deadline: ContinuousClock.Instant) throws -> Bool {
        if !transport.hasBufferedInput {
            let events = Int16(transport.readWantsWrite ? POLLOUT : POLLIN)
            guard try wait(for: events, on: transport, until: deadline) else { return false }
        }
        var gotBytes = false
        while true {
            let result = input.withUnsafeMutableBytes { transport.read(into: $0) }
            switch result {
            case .bytes(let count):
                gotBytes = true
                if let error = input.withUnsafeBytes({ reader.feed(UnsafeRawBufferPointer(rebasing: $0[..<count])) }) { throw error }
                if count < input.count && !transport.hasBufferedInput { return true }
            case .wouldBlock:
                return gotBytes
            case .closed(let error):
                throw error
            }
        }
    }

    private func parsed() throws -> RedisReply? {
        try reader.next().get()
    }

    private func nextReply(from transport: RedisTransport, deadline: ContinuousClock.Instant) throws -> RedisReply {
        while true {
            if let reply = try parsed() { return reply }
            guard try fill(from: transport, until: deadline) else {
                if ContinuousClock.now >= deadline { throw KVError(.timeout, "the server did not answer the subscriber's handshake") }
                continue
            }
        }
    }

    private static func text(_ reply: RedisReply) -> String? {
        switch reply {
        case .bulkString(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .status(let text): return text
        default: return nil
        }
    }
}
