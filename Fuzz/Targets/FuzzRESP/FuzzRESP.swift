import FaultProxy
import Foundation
import FuzzSupport

/// libFuzzer target `resp`: the fault proxy's RESPScanner sees whatever a client or server sends. It never
/// traps, and its verdicts are consistent the way the proxy relies on when bytes arrive in pieces: a
/// complete message's length lies within the bytes, every shorter prefix of it is incomplete (never a
/// different message or "not RESP"), and bytes appended after it do not change it.
@main
enum FuzzRESPMain {
    static func main() {
        exit(runFuzzer { data, size in fuzzRESP(fuzzInput(data, size)) })
    }
}

func fuzzRESP(_ bytes: [UInt8]) -> CInt {
    check(bytes, name: "reply") { RESPScanner.reply(in: $0) }
    check(bytes, name: "command") { RESPScanner.command(in: $0) }
    bytes.withUnsafeBytes { _ = RESPScanner.isBlankInline($0) }
    return 0
}

private func check(_ bytes: [UInt8], name: String, _ scan: (UnsafeRawBufferPointer) -> RESPScanner.Message) {
    let verdict = bytes.withUnsafeBytes(scan)
    guard case .complete(let length) = verdict else { return }
    guard length > 0 && length <= bytes.count else { fatalError("\(name): length \(length) of \(bytes.count) bytes: \(bytes)") }
    // A few cut points rather than all of them, so one input stays fast.
    for cut in Set([0, 1, length / 2, length - 1].filter { $0 >= 0 && $0 < length }) {
        let prefix = Array(bytes[..<cut])
        let partial = prefix.withUnsafeBytes(scan)
        if partial != .incomplete {
            fatalError("\(name): the first \(cut) bytes of a complete \(length)-byte message are \(partial): \(bytes)")
        }
    }
    let extended = Array(bytes[..<length]) + Array("+OK\r\n".utf8)
    let again = extended.withUnsafeBytes(scan)
    if again != .complete(length: length) {
        fatalError("\(name): appending bytes changed a complete \(length)-byte message into \(again): \(bytes)")
    }
}
