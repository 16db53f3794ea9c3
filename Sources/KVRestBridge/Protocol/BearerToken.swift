/// The token a bridge accepts, compared from the request's bytes in constant time.
struct BearerToken: Sendable {
    private let bytes: [UInt8]

    init(_ token: String) { bytes = Array(token.utf8) }

    /// Whether an `Authorization` header value is `Bearer <token>` (scheme in any letter case).
    func matches(authorization value: String) -> Bool {
        var value = value
        return value.withUTF8 { utf8 in
            let raw = UnsafeRawBufferPointer(utf8)
            guard raw.count > 7, CommandPolicy.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: raw[..<6]), "BEARER"),
                  raw[6] == UInt8(ascii: " ")
            else { return false }
            return matches(UnsafeRawBufferPointer(rebasing: raw[7...]))
        }
    }

    /// Whether `candidate` is the token. The time taken depends on the token's length only, never on how
    /// many leading bytes of a guess are right.
    func matches(_ candidate: UnsafeRawBufferPointer) -> Bool {
        var difference: UInt8 = candidate.count == bytes.count ? 0 : 1
        for index in 0..<bytes.count {
            difference |= bytes[index] ^ (index < candidate.count ? candidate[index] : 0)
        }
        return difference == 0
    }

    /// Whether `candidate` (the `_token` query parameter) is the token.
    func matches(_ candidate: String) -> Bool {
        var candidate = candidate
        return candidate.withUTF8 { matches(UnsafeRawBufferPointer($0)) }
    }
}
