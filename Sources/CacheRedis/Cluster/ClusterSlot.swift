#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One of Redis Cluster's 16384 hash slots: the unit in which keys are assigned to shards.
///
/// A key's slot is `CRC16(key) mod 16384` (CRC16-CCITT/XMODEM, as Redis's `crc16.c`), computed over the
/// key's hash tag when it has one, exactly as Redis's `keyHashSlot`: the bytes between the first `{` and
/// the first `}` after it, provided they are not empty. So `{user1000}.following` and
/// `{user1000}.followers` share a slot, `foo{}{bar}` hashes whole, and `foo{{bar}}zap` hashes `{bar`.
public struct ClusterSlot: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The number of slots in a cluster.
    public static let count = 16384

    /// The slot number, `0..<16384`.
    public let rawValue: UInt16

    /// A slot from its number; nil outside `0..<16384`.
    public init?(rawValue: UInt16) {
        guard Int(rawValue) < Self.count else { return nil }
        self.rawValue = rawValue
    }

    /// A slot from its number; nil outside `0..<16384` (for numbers read from a server's reply).
    public init?(_ value: Int) {
        guard value >= 0, value < Self.count else { return nil }
        self.rawValue = UInt16(value)
    }

    private init(unchecked rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// The slot of a key given as bytes (keys are binary-safe).
    public init(key: some Collection<UInt8>) {
        // The contiguous path keeps the per-request cost to a table lookup per byte: routing sits on every
        // request of a cluster store, whose goal is near one node's throughput.
        if let slot = key.withContiguousStorageIfAvailable({ Self.slot(of: $0) }) {
            self = slot
        } else {
            self = Array(key).withUnsafeBufferPointer { Self.slot(of: $0) }
        }
    }

    /// The slot of a key given as a string (hashed as its UTF-8 bytes, as the server sees them).
    public init(key: String) {
        var key = key
        self = key.withUTF8 { Self.slot(of: $0) }
    }

    /// The slot's number as an `Int`, for indexing.
    public var index: Int { Int(rawValue) }

    public var description: String { String(rawValue) }

    public static func < (lhs: ClusterSlot, rhs: ClusterSlot) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func slot(of key: UnsafeBufferPointer<UInt8>) -> ClusterSlot {
        ClusterSlot(unchecked: crc16(hashedPart(of: key)) & 0x3FFF)
    }

    /// The part of the key that decides the slot: the hash tag when there is a non-empty one, else the key.
    static func hashedPart(of key: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let open = firstIndex(of: UInt8(ascii: "{"), in: key, from: 0) else { return key }
        let afterOpen = open + 1
        guard let close = firstIndex(of: UInt8(ascii: "}"), in: key, from: afterOpen), close > afterOpen else { return key }
        return UnsafeBufferPointer(rebasing: key[afterOpen..<close])
    }

    /// `memchr`, which scans a word or a vector at a time: most keys have no tag, so the whole key is
    /// searched for `{` on every request.
    private static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, start < bytes.count,
            let found = memchr(base + start, Int32(byte), bytes.count - start)
        else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }

    /// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, no reflection, no final XOR.
    ///
    /// Two bytes per step ("slicing by 2"): the table is linear over XOR, so the byte-at-a-time steps
    /// `crc = (crc << 8) ^ T[(crc >> 8) ^ b]` for `b0, b1` fold into `T2[w >> 8] ^ T[w & 0xFF]` with
    /// `w = crc ^ (b0 << 8 | b1)` and `T2[i] = (T[i] & 0xFF) << 8 ^ T[T[i] >> 8]`: two independent loads
    /// per two bytes instead of a chain of two, which halves the hash's share of a request.
    static func crc16(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        crc16Tables.withUnsafeBufferPointer { tables in
            var index = 0
            let count = bytes.count
            while index + 1 < count {
                let word = crc ^ (UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
                crc = tables[256 + Int(word >> 8)] ^ tables[Int(word & 0xFF)]
                index += 2
            }
            if index < count {
                crc = (crc << 8) ^ tables[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ bytes[index])]
            }
        }
        return crc
    }

    /// `T` (one byte) in entries 0..<256 and `T2` (two bytes) in 256..<512, computed once from the
    /// polynomial rather than pasted as literals.
    private static let crc16Tables: [UInt16] = {
        let single: [UInt16] = (0..<256).map { value in
            var crc = UInt16(value) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
            return crc
        }
        let double = single.map { ((($0 & 0xFF) << 8) ^ single[Int($0 >> 8)]) }
        return single + double
    }()
}
