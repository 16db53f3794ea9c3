#if canImport(Glibc)
import Glibc
#endif

extension RedisConnection {
    /// A caller writing its own command to the socket, so that a lone caller's round trip needs the I/O
    /// thread only for the reply: without it the caller wakes the sleeping I/O thread through the pipe, the
    /// thread wakes, writes and sleeps again, and all of that lies on the caller's critical path.
    ///
    /// Allowed only while the I/O thread sleeps in `poll` with the transport open over plain TCP or a unix
    /// socket (never TLS: an OpenSSL session belongs to one thread at a time and may need to read to
    /// write), the machine ready, nothing buffered to write and no queued command waiting to go first. All
    /// of it lives under the connection's lock, and so does the write itself: a non-blocking `send` of a
    /// small command (never a blocking call on the cooperative pool), so commands reach the wire in the
    /// order they join the FIFO. The I/O thread takes the written commands, in order, before it reads any
    /// reply (``RedisConnectionStateMachine/submitWritten(_:now:)``), and the unsent rest of a partial
    /// write before it writes anything else. A command is written directly only if its deadline is no
    /// earlier than the end of the I/O thread's `poll`, which therefore wakes in time to enforce it.
    struct DirectWrites {
        /// What became of a caller's attempt.
        enum Outcome {
            /// Written whole: the reply wakes the I/O thread.
            case written
            /// Written in part: the I/O thread must be woken to write the rest.
            case partlyWritten
            /// Not written (not allowed now, a full socket buffer, a broken socket): queue it as usual.
            case notWritten
        }

        /// What the I/O thread takes when it wakes.
        struct Taken {
            var commands: [PendingCommand] = []
            var remainder: [UInt8] = []
        }

        /// Commands larger than this go through the I/O thread: the lock is held while one is written.
        static let maximumCommandBytes = 16 << 10

        /// The socket callers may write to; -1 while they must not.
        private var socket: Int32 = -1
        /// When the sleeping I/O thread's `poll` ends at the latest.
        private var until = ContinuousClock.now
        private var written: [PendingCommand] = []
        private var remainder: [UInt8] = []
        /// How many commands callers have written themselves.
        private(set) var count = 0

        /// The I/O thread is about to sleep until `until` at the latest; callers may write to `socket`.
        mutating func open(socket: Int32, until: ContinuousClock.Instant) {
            self.socket = socket
            self.until = until
        }

        /// The I/O thread woke: no more direct writes; what was written moves into `taken` (empty before).
        mutating func close(into taken: inout Taken) {
            socket = -1
            guard !written.isEmpty else { return }
            swap(&written, &taken.commands)
            swap(&remainder, &taken.remainder)
        }

        /// Writes `pending` now if allowed, under the connection's lock.
        mutating func write(_ pending: PendingCommand) -> Outcome {
            let encoded = pending.command.encoded
            guard socket >= 0, pending.slot.deadline >= until, encoded.count <= Self.maximumCommandBytes
            else { return .notWritten }
            let sent = encoded.withUnsafeBytes { buffer in
                Glibc.send(socket, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
            guard sent > 0 else {
                // A full buffer or a broken socket: the I/O thread writes it, and meets the error itself.
                socket = -1
                return .notWritten
            }
            written.append(pending)
            count += 1
            if sent == encoded.count { return .written }
            remainder.append(contentsOf: encoded[sent...])
            socket = -1
            return .partlyWritten
        }
    }
}
