import CacheCore
import Foundation
import FuzzSupport

/// libFuzzer target `glob`: the input is a pattern and a key (the first byte says where the pattern
/// ends). GlobPattern never traps, agrees with `referenceMatch` (a direct, recursive transcription of
/// redis-server 7.0's `stringmatchlen_impl`, independent of GlobPattern's iterative one), and an escaped
/// key always matches itself.
@main
enum FuzzGlobMain {
    static func main() {
        exit(runFuzzer { data, size in fuzzGlob(fuzzInput(data, size)) })
    }
}

func fuzzGlob(_ bytes: [UInt8]) -> CInt {
    guard let first = bytes.first else { return 0 }
    let rest = Array(bytes.dropFirst())
    let split = rest.isEmpty ? 0 : Int(first) % (rest.count + 1)
    let pattern = Array(rest[..<split])
    let key = Array(rest[split...])
    let ours = GlobPattern(bytes: pattern).matches(bytes: key)
    let reference = (pattern == [UInt8(ascii: "*")]) || referenceMatch(pattern, key)
    if ours != reference {
        fatalError("GlobPattern says \(ours), stringmatchlen says \(reference): pattern \(pattern) key \(key)")
    }
    if let text = String(validating: key, as: UTF8.self), !GlobPattern(GlobPattern.escape(text)).matches(text) {
        fatalError("an escaped key does not match itself: \(key)")
    }
    return 0
}

/// `stringmatchlen(pattern, string, nocase = 0)`, transcribed statement for statement, recursion included.
/// C reads one byte past the pattern's end and finds the string's NUL terminator: `at` returns 0 there.
func referenceMatch(_ pattern: [UInt8], _ string: [UInt8]) -> Bool {
    var skipLongerMatches = false
    return referenceImpl(pattern, 0, pattern.count, string, 0, string.count, &skipLongerMatches, 0)
}

private func referenceImpl(
    _ pat: [UInt8], _ pStart: Int, _ pLen: Int, _ str: [UInt8], _ sStart: Int, _ sLen: Int,
    _ skipLongerMatches: inout Bool, _ nesting: Int
) -> Bool {
    if nesting > 1000 { return false }
    func at(_ i: Int) -> UInt8 { i < pat.count ? pat[i] : 0 }
    func signedChar(_ b: UInt8) -> Int { b >= 0x80 ? Int(b) - 256 : Int(b) }
    var p = pStart, patternLen = pLen, s = sStart, stringLen = sLen
    while patternLen > 0 && stringLen > 0 {
        switch at(p) {
        case 42: // '*'
            while patternLen > 0 && at(p + 1) == 42 { p += 1; patternLen -= 1 }
            if patternLen == 1 { return true }
            while stringLen > 0 {
                if referenceImpl(pat, p + 1, patternLen - 1, str, s, stringLen, &skipLongerMatches, nesting + 1) { return true }
                if skipLongerMatches { return false }
                s += 1; stringLen -= 1
            }
            skipLongerMatches = true
            return false
        case 63: // '?'
            s += 1; stringLen -= 1
        case 91: // '['
            p += 1; patternLen -= 1
            let not = at(p) == 94
            if not { p += 1; patternLen -= 1 }
            var match = false
            while true {
                if at(p) == 92 && patternLen >= 2 {
                    p += 1; patternLen -= 1
                    if at(p) == str[s] { match = true }
                } else if at(p) == 93 {
                    break
                } else if patternLen == 0 {
                    p -= 1; patternLen += 1
                    break
                } else if patternLen >= 3 && at(p + 1) == 45 {
                    var start = signedChar(at(p)), end = signedChar(at(p + 2))
                    let c = signedChar(str[s])
                    if start > end { (start, end) = (end, start) }
                    p += 2; patternLen -= 2
                    if c >= start && c <= end { match = true }
                } else if at(p) == str[s] {
                    match = true
                }
                p += 1; patternLen -= 1
            }
            if not { match = !match }
            if !match { return false }
            s += 1; stringLen -= 1
        default:
            if at(p) == 92 && patternLen >= 2 { p += 1; patternLen -= 1 }
            if at(p) != str[s] { return false }
            s += 1; stringLen -= 1
        }
        p += 1; patternLen -= 1
        if stringLen == 0 {
            while at(p) == 42 { p += 1; patternLen -= 1 }
            break
        }
    }
    return patternLen == 0 && stringLen == 0
}
