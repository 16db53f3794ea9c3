import NIOCore

/// The Redis commands of one HTTP request, RESP-encoded straight from the request's bytes as one group
/// for the shared connection, with the commands ``CommandPolicy`` refused set aside.
///
/// Why encode while parsing: the bridge used to build `[[UInt8]]` arguments (an array per argument, per
/// command, per request) and encode them afterwards. Here each argument is copied once into a scratch
/// buffer the handler keeps across requests, checked in place, and the accepted command is appended to
/// the group, which is written to Redis as it is.
struct RESPCommandGroup {
    /// The accepted commands, encoded.
    private(set) var encoded: ByteBuffer
    /// How many commands `encoded` holds.
    private(set) var count = 0
    /// How many commands the request had, refused ones included.
    private(set) var total = 0
    /// The refused commands: their position among all the request's commands, and the error to answer.
    private(set) var refusals: [(index: Int, message: String)] = []

    /// The command being read: its arguments as RESP bulk strings.
    private var scratch: ByteBuffer
    private var arguments = 0
    private var name: Range<Int>?
    private var second: Range<Int>?
    private var blockArgument = false

    /// An empty group that reuses `scratch`'s storage for the command being read.
    init(allocator: ByteBufferAllocator, scratch: ByteBuffer) {
        self.encoded = allocator.buffer(capacity: 64)
        self.scratch = scratch
    }

    /// Ends reading: the scratch buffer goes back to the handler for its next request (the group no
    /// longer holds it, so the next request's writes find it unshared and allocate nothing).
    mutating func releaseScratch() -> ByteBuffer {
        let released = scratch
        scratch = ByteBuffer()
        return released
    }

    /// Starts a command.
    mutating func begin() {
        scratch.clear()
        arguments = 0
        name = nil
        second = nil
        blockArgument = false
    }

    /// Appends an argument to the command being read.
    mutating func append(_ argument: UnsafeRawBufferPointer) {
        RESPEncoder.writeHeader(UInt8(ascii: "$"), argument.count, into: &scratch)
        let start = scratch.writerIndex - scratch.readerIndex
        scratch.writeBytes(argument)
        scratch.writeStaticString("\r\n")
        switch arguments {
        case 0: name = start..<start + argument.count
        case 1: second = start..<start + argument.count
        default: break
        }
        if arguments > 0, !blockArgument, CommandPolicy.equalsIgnoringCase(argument, "BLOCK") { blockArgument = true }
        arguments += 1
    }

    /// Appends an argument given as an array (the general path's arguments).
    mutating func append(_ argument: [UInt8]) {
        argument.withUnsafeBytes { append($0) }
    }

    /// Ends the command: adds it to the group, or records its refusal.
    mutating func end() {
        let refusal: String? = scratch.withUnsafeReadableBytes { raw in
            guard let name else { return "ERR empty command" }
            return CommandPolicy.refusal(
                name: UnsafeRawBufferPointer(rebasing: raw[name]),
                second: second.map { UnsafeRawBufferPointer(rebasing: raw[$0]) },
                hasBlockArgument: blockArgument)
        }
        if let refusal {
            refusals.append((total, refusal))
        } else {
            appendUnchecked()
        }
        total += 1
    }

    /// Adds the command as it is, without asking ``CommandPolicy`` (the `MULTI`/`EXEC` around a
    /// `/multi-exec`); it does not count in ``total``.
    mutating func endUnchecked() {
        appendUnchecked()
    }

    private mutating func appendUnchecked() {
        RESPEncoder.writeHeader(UInt8(ascii: "*"), arguments, into: &encoded)
        encoded.writeImmutableBuffer(scratch)
        count += 1
    }
}
