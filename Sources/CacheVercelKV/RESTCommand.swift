import NIOCore
import UpstashREST

/// One Redis command as the REST tier sends it: arguments as raw bytes, serialised as a JSON array.
///
/// JSON strings cannot carry bytes that are not valid UTF-8 (a key another client wrote, a binary value).
/// Such a command is sent as `EVAL` of a small Lua script that base64-decodes its arguments and runs the
/// command with them, so the server sees the real bytes. Scripts receive those keys as `ARGV`, not
/// `KEYS`: fine on a single Redis or Upstash database, the only targets of this tier.
struct RESTCommand: Sendable {
    /// The arguments, the command name first.
    var arguments: [[UInt8]]

    init(_ arguments: [[UInt8]]) { self.arguments = arguments }

    init(_ arguments: [String]) { self.arguments = arguments.map { Array($0.utf8) } }

    /// The command's name, for logs.
    var name: String { arguments.first.map { String(decoding: $0, as: UTF8.self) } ?? "" }

    /// Appends the command as a JSON array of strings, straight from the argument bytes.
    func writeJSON(into output: inout ByteBuffer) {
        for argument in arguments where !Self.isValidUTF8(argument) {
            writeBase64EVAL(into: &output)
            return
        }
        output.writeInteger(UInt8(ascii: "["))
        for (position, argument) in arguments.enumerated() {
            if position > 0 { output.writeInteger(UInt8(ascii: ",")) }
            argument.withUnsafeBytes { JSONWriter.writeString($0, into: &output) }
        }
        output.writeInteger(UInt8(ascii: "]"))
    }

    /// Keys and texts are ASCII almost always: checked without making a `String`.
    private static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes(JSONWriter.isASCII) || String(validating: bytes, as: UTF8.self) != nil
    }

    private func writeBase64EVAL(into output: inout ByteBuffer) {
        output.writeStaticString(#"["EVAL","#)
        JSONWriter.writeString(Self.base64CommandScript, into: &output)
        output.writeStaticString(#","0""#)
        for argument in arguments {
            output.writeStaticString(#",""#)
            let count = Base64.encodedCount(argument.count)
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { free in
                argument.withUnsafeBytes { Base64.encode($0, into: free) }
                return count
            }
            output.writeInteger(UInt8(ascii: "\""))
        }
        output.writeInteger(UInt8(ascii: "]"))
    }

    /// Runs `ARGV` (each base64) as one command. Lua 5.1 as Redis embeds it has no base64, hence the table.
    static let base64CommandScript = """
        local a='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
        local t={} for i=1,64 do t[a:byte(i)]=i-1 end
        local function d(s)
          local o={} local n=0
          for i=1,#s-3,4 do
            local b1,b2,b3,b4=s:byte(i,i+3)
            local x=t[b1]*262144+t[b2]*4096+(t[b3] or 0)*64+(t[b4] or 0)
            n=n+1 o[n]=string.char(math.floor(x/65536)%256)
            if b3~=61 then n=n+1 o[n]=string.char(math.floor(x/256)%256) end
            if b4~=61 then n=n+1 o[n]=string.char(x%256) end
          end
          return table.concat(o)
        end
        local r={} for i,v in ipairs(ARGV) do r[i]=d(v) end
        return redis.call(unpack(r))
        """
}
