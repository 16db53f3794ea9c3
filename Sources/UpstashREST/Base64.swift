/// Standard base64 (RFC 4648, with padding), as `Upstash-Encoding: base64` uses it.
///
/// Written here rather than taken from Foundation so the bridge and the REST tier encode straight from and
/// into their buffers on their hot paths (the raw-buffer forms), with no intermediate array or `String`.
public enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        return table
    }()

    /// How many characters `count` bytes take once encoded.
    public static func encodedCount(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// `bytes` encoded as base64 text.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        let count = encodedCount(input.count)
        return String(unsafeUninitializedCapacity: count) { output in
            input.withUnsafeBytes { encode($0, into: UnsafeMutableRawBufferPointer(output)) }
            return count
        }
    }

    /// Writes `input` as base64 to the start of `output`, which holds at least
    /// ``encodedCount(_:)`` bytes.
    public static func encode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= encodedCount(input.count), "base64 output too small")
        alphabet.withUnsafeBufferPointer { alphabet in
            var index = 0
            var position = 0
            while index + 3 <= input.count {
                let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                output[position] = alphabet[Int(chunk >> 18 & 63)]
                output[position + 1] = alphabet[Int(chunk >> 12 & 63)]
                output[position + 2] = alphabet[Int(chunk >> 6 & 63)]
                output[position + 3] = alphabet[Int(chunk & 63)]
                index += 3
                position += 4
            }
            let remaining = input.count - index
            if remaining > 0 {
                var chunk = UInt32(input[index]) << 16
                if remaining == 2 { chunk |= UInt32(input[index + 1]) << 8 }
                output[position] = alphabet[Int(chunk >> 18 & 63)]
                output[position + 1] = alphabet[Int(chunk >> 12 & 63)]
                output[position + 2] = remaining == 2 ? alphabet[Int(chunk >> 6 & 63)] : UInt8(ascii: "=")
                output[position + 3] = UInt8(ascii: "=")
            }
        }
    }

    /// The bytes `text` encodes, or `nil` when it is not valid padded base64.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(UnsafeRawBufferPointer($0)) }
    }

    /// The bytes `input` encodes, or `nil` when it is not valid padded base64.
    public static func decode(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        guard input.count % 4 == 0 else { return nil }
        var valid = true
        let output = [UInt8](unsafeUninitializedCapacity: input.count / 4 * 3) { buffer, count in
            guard let written = decode(input, into: UnsafeMutableRawBufferPointer(buffer)) else {
                valid = false
                count = 0
                return
            }
            count = written
        }
        return valid ? output : nil
    }

    /// Decodes `input` into the start of `output` (at least `input.count / 4 * 3` bytes) and returns how
    /// many bytes it wrote, or `nil` when `input` is not valid padded base64.
    public static func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int? {
        guard input.count % 4 == 0, output.count >= input.count / 4 * 3 else { return nil }
        return decodeTable.withUnsafeBufferPointer { table -> Int? in
            var index = 0
            var position = 0
            while index < input.count {
                var chunk: UInt32 = 0
                var padding = 0
                for offset in 0..<4 {
                    let byte = input[index + offset]
                    if byte == UInt8(ascii: "=") {
                        // Padding only in the last group's last two places.
                        guard index + 4 == input.count, offset >= 2 else { return nil }
                        padding += 1
                        chunk <<= 6
                        continue
                    }
                    guard padding == 0 else { return nil }
                    let value = table[Int(byte)]
                    guard value != 0xFF else { return nil }
                    chunk = chunk << 6 | UInt32(value)
                }
                output[position] = UInt8(chunk >> 16 & 0xFF)
                if padding < 2 { output[position + 1] = UInt8(chunk >> 8 & 0xFF) }
                if padding < 1 { output[position + 2] = UInt8(chunk & 0xFF) }
                position += 3 - padding
                index += 4
            }
            return position
        }
    }
}
