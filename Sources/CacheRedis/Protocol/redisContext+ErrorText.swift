import CHiredis

extension UnsafeMutablePointer where Pointee == redisContext {
    /// hiredis's `errstr`, a `char[128]` that Swift imports as a tuple, as a `String`.
    var errorText: String {
        withUnsafeBytes(of: pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
