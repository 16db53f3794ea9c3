import NIOCore
import UpstashREST

/// Writes Upstash's JSON results straight from the RESP bytes redis-server sent into the response buffer:
/// no reply tree, no `String` per value, no intermediate array.
///
/// The rules are Upstash's: with `base64`, every string is base64 except a whole result that is the
/// status reply `OK`; integers and null stay as they are; error texts are never encoded. Without it,
/// bytes that are not valid UTF-8 become U+FFFD. The replies were checked whole by
/// ``RESPReplyScanner`` before they get here.
struct ReplyJSONWriter {
    /// The replies, and where the next one starts.
    let replies: UnsafeRawBufferPointer
    var offset = 0
    let base64: Bool

    init(replies: UnsafeRawBufferPointer, base64: Bool) {
        self.replies = replies
        self.base64 = base64
    }

    /// Whether the next reply is an error.
    var nextIsError: Bool { offset < replies.count && replies[offset] == UInt8(ascii: "-") }

    /// Skips the next reply.
    mutating func skip() {
        offset = (try? RESPReplyScanner.end(of: replies, at: offset)) ?? replies.count
    }

    /// When the next reply is an array (not a null one), steps into it and returns its length.
    mutating func enterArray() -> Int? {
        guard offset < replies.count, replies[offset] == UInt8(ascii: "*"),
              let (lineEnd, next) = RESPReplyScanner.line(replies, from: offset + 1),
              let count = try? RESPReplyScanner.integer(replies, offset + 1, lineEnd), count >= 0
        else { return nil }
        offset = next
        return count
    }

    /// Writes the next reply as `{"result": …}`, or `{"error": "…"}` when it is an error.
    mutating func writeResultObject(into output: inout ByteBuffer) {
        if nextIsError {
            output.writeStaticString(#"{"error":"#)
        } else {
            output.writeStaticString(#"{"result":"#)
        }
        writeValue(into: &output)
        output.writeInteger(UInt8(ascii: "}"))
    }

    /// Writes the next reply as a JSON value (an error as its text).
    mutating func writeValue(into output: inout ByteBuffer, topLevel: Bool = true) {
        let type = replies[offset]
        guard let (lineEnd, next) = RESPReplyScanner.line(replies, from: offset + 1) else { return }
        let lineStart = offset + 1
        let line = UnsafeRawBufferPointer(rebasing: replies[lineStart..<lineEnd])
        offset = next
        switch type {
        case UInt8(ascii: "+"):
            if topLevel, line.count == 2, line[0] == UInt8(ascii: "O"), line[1] == UInt8(ascii: "K") {
                output.writeStaticString(#""OK""#)
            } else {
                writeString(line, into: &output)
            }
        case UInt8(ascii: "-"):
            JSONWriter.writeRepairingString(line, into: &output)
        case UInt8(ascii: ":"):
            // Checked by the scanner: an optional minus and digits, in Int64's range.
            output.writeBytes(line)
        case UInt8(ascii: "$"):
            let length = (try? RESPReplyScanner.integer(replies, lineStart, lineEnd)) ?? -1
            if length < 0 {
                output.writeStaticString("null")
                return
            }
            writeString(UnsafeRawBufferPointer(rebasing: replies[offset..<(offset + length)]), into: &output)
            offset += length + 2
        case UInt8(ascii: "*"):
            let count = (try? RESPReplyScanner.integer(replies, lineStart, lineEnd)) ?? -1
            if count < 0 {
                output.writeStaticString("null")
                return
            }
            output.writeInteger(UInt8(ascii: "["))
            for position in 0..<count {
                if position > 0 { output.writeInteger(UInt8(ascii: ",")) }
                writeValue(into: &output, topLevel: false)
            }
            output.writeInteger(UInt8(ascii: "]"))
        default:
            output.writeStaticString("null")
        }
    }

    private func writeString(_ bytes: UnsafeRawBufferPointer, into output: inout ByteBuffer) {
        guard base64 else {
            JSONWriter.writeRepairingString(bytes, into: &output)
            return
        }
        let count = Base64.encodedCount(bytes.count)
        output.writeInteger(UInt8(ascii: "\""))
        output.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { free in
            Base64.encode(bytes, into: free)
            return count
        }
        output.writeInteger(UInt8(ascii: "\""))
    }
}
