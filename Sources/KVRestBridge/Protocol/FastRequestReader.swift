/// Reads the request shapes clients send all the time straight from the URI's and body's bytes into a
/// ``RESPCommandGroup``: `POST /` with a JSON command, `/pipeline` and `/multi-exec` with a JSON array of
/// commands, and path-style commands (`/get/key`) without percent escapes or query parameters; every
/// argument a plain string (ASCII, no escapes), a number, or a boolean.
///
/// Anything else, malformed input included, makes it answer `nil`, and the handler takes the general
/// path (``BridgeRequest``), which builds values first and reports errors exactly as Upstash does. So
/// this reader only has to be right about what it accepts, never about how to refuse.
enum FastRequestReader {
    /// The request's kind with its commands appended to `group`, or `nil` (the group is then to be dropped).
    static func read(uri: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer, into group: inout RESPCommandGroup) -> BridgeRequest.Kind? {
        guard uri.firstIndex(of: UInt8(ascii: "?")) == nil else { return nil }
        var path = uri
        if path.count > 1, path[path.count - 1] == UInt8(ascii: "/") {
            path = UnsafeRawBufferPointer(rebasing: path[..<(path.count - 1)])
        }
        if path.isEmpty || (path.count == 1 && path[0] == UInt8(ascii: "/")) {
            var reader = JSONReader(bytes: body)
            guard reader.command(into: &group), reader.atEnd else { return nil }
            return .single
        }
        if equals(path, "/pipeline") || equals(path, "/multi-exec") {
            let multiExec = path.count == 11
            if multiExec {
                group.begin()
                group.append(UnsafeRawBufferPointer(staticString: "MULTI"))
                group.endUnchecked()
            }
            var reader = JSONReader(bytes: body)
            guard reader.commands(into: &group), reader.atEnd else { return nil }
            if multiExec {
                group.begin()
                group.append(UnsafeRawBufferPointer(staticString: "EXEC"))
                group.endUnchecked()
            }
            return multiExec ? .multiExec : .pipeline
        }
        // Path style: /set/foo/bar/EX/100, then the body as the last argument.
        guard path.firstIndex(of: UInt8(ascii: "%")) == nil else { return nil }
        group.begin()
        var start = 0
        var segments = 0
        for index in 0...path.count where index == path.count || path[index] == UInt8(ascii: "/") {
            if index > start {
                group.append(UnsafeRawBufferPointer(rebasing: path[start..<index]))
                segments += 1
            }
            start = index + 1
        }
        guard segments > 0 else { return nil }
        if !body.isEmpty { group.append(body) }
        group.end()
        return .single
    }

    private static func equals(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        bytes.count == text.utf8CodeUnitCount && bytes.elementsEqual(UnsafeRawBufferPointer(staticString: text))
    }

    /// A cursor over a JSON body that accepts only the simple command shapes.
    private struct JSONReader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        var atEnd: Bool {
            mutating get {
                skipWhitespace()
                return index == bytes.count
            }
        }

        /// `[[…],[…]]`: at least one command.
        mutating func commands(into group: inout RESPCommandGroup) -> Bool {
            guard consume(UInt8(ascii: "[")) else { return false }
            repeat {
                guard command(into: &group) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "]"))
        }

        /// `["SET","k",1,true]`: at least one argument.
        mutating func command(into group: inout RESPCommandGroup) -> Bool {
            guard consume(UInt8(ascii: "[")) else { return false }
            group.begin()
            repeat {
                guard argument(into: &group) else { return false }
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "]")) else { return false }
            group.end()
            return true
        }

        private mutating func argument(into group: inout RESPCommandGroup) -> Bool {
            skipWhitespace()
            guard index < bytes.count else { return false }
            let start = index
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                let content = index
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") { break }
                    // Escapes, control characters and non-ASCII text (which the general path repairs
                    // when it is not UTF-8) are left to the general path.
                    guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { return false }
                    index += 1
                }
                guard index < bytes.count else { return false }
                group.append(UnsafeRawBufferPointer(rebasing: bytes[content..<index]))
                index += 1
            case UInt8(ascii: "t"):
                guard literal("true") else { return false }
                group.append(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
            case UInt8(ascii: "f"):
                guard literal("false") else { return false }
                group.append(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard number() else { return false }
                group.append(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
            default:
                return false
            }
            return true
        }

        /// RFC 8259's number grammar, as ``JSONParser`` reads it.
        private mutating func number() -> Bool {
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digit() else { return false }
            if bytes[index - 1] != UInt8(ascii: "0") { while digit() {} }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digit() else { return false }
                while digit() {}
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digit() else { return false }
                while digit() {}
            }
            return true
        }

        private mutating func digit() -> Bool {
            guard index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 else { return false }
            index += 1
            return true
        }

        private mutating func literal(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count,
                  UnsafeRawBufferPointer(rebasing: bytes[index..<index + count]).elementsEqual(UnsafeRawBufferPointer(staticString: text))
            else { return false }
            index += count
            return true
        }

        private mutating func consume(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        private mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }
    }
}
