@testable import CacheCore
import Foundation
import FuzzSupport

/// libFuzzer target `codec`: stored bytes are anyone's input. For every input,
/// - decoding never traps, and the fast path (FlatJSONObject) gives exactly the answer `JSONDecoder` alone
///   gives (same entry, same expiry, or the same error);
/// - whatever FlatJSONObject accepts, `JSONDecoder` accepts as an object with the same fields and values;
/// - a decoded expiry converts to a memory-tier instant without trapping;
/// - the input as a value (and as a key, when it is UTF-8) round-trips through encode and decode.
@main
enum FuzzCodecMain {
    static func main() {
        exit(runFuzzer { data, size in fuzzCodec(fuzzInput(data, size)) })
    }
}

func fuzzCodec(_ bytes: [UInt8]) -> CInt {
    checkDecodeAgreement(bytes)
    checkFlatParserAgreement(bytes)
    checkRoundTrip(bytes)
    return 0
}

private func checkDecodeAgreement(_ bytes: [UInt8]) {
    let fast = Result { () throws(CacheEntryCodec.DecodeError) in try CacheEntryCodec.decode(bytes, expectedKey: "k") }
    let reference = Result { () throws(CacheEntryCodec.DecodeError) in
        try CacheEntryCodec.decodeWithFoundation(bytes, expectedKey: "k")
    }
    guard fast == reference else {
        fatalError("codec disagrees with JSONDecoder on \(String(decoding: bytes, as: UTF8.self).debugDescription): fast \(fast), JSONDecoder \(reference)")
    }
    if case .success(let decoded) = fast, let expiresAt = decoded.expiresAt {
        _ = TieredCache.memoryExpiry(for: expiresAt, now: .now)
    }
}

/// One scalar JSON value as `JSONDecoder` reads it, to compare with FlatJSONObject.Value.
private enum Scalar: Decodable, Equatable {
    case string(String), number(Double), bool(Bool), null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }
}

private func checkFlatParserAgreement(_ bytes: [UInt8]) {
    guard let flat = FlatJSONObject(bytes) else { return }
    let reference: [String: Scalar]
    do {
        reference = try JSONDecoder().decode([String: Scalar].self, from: Data(bytes))
    } catch {
        fatalError("FlatJSONObject accepted what JSONDecoder refuses (\(error)): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }
    let converted = flat.fields.mapValues { value -> Scalar in
        switch value {
        case .string(let text): return .string(text)
        case .number(let number): return .number(number)
        case .bool(let flag): return .bool(flag)
        case .null: return .null
        }
    }
    guard converted == reference else {
        fatalError("FlatJSONObject read \(converted), JSONDecoder \(reference): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }
}

private func checkRoundTrip(_ bytes: [UInt8]) {
    let key = String(validating: bytes, as: UTF8.self) ?? "k"
    let entry = CacheEntry(bytes: bytes, source: .other(key), createdAt: Date(timeIntervalSince1970: 1_700_000_000))
    let encoded = CacheEntryCodec.encode(entry, key: key, expiresAt: Date(timeIntervalSince1970: 1_700_000_060))
    do {
        let decoded = try CacheEntryCodec.decode(encoded, expectedKey: key)
        guard decoded.entry.value == bytes, decoded.entry.source.rawValue == key else {
            fatalError("round trip changed the entry: \(bytes)")
        }
    } catch {
        fatalError("an entry this codec wrote does not decode (\(error)): \(bytes)")
    }
}
