import Foundation

/// Encodes cache entries as a versioned JSON envelope that any Redis client can read, and decodes them
/// back, refusing anything it does not recognise instead of guessing.
///
/// Version 1:
/// ```json
/// {"v":1,"key":"what is a KV store?","value":"…","source":"kb","createdAt":1764265200000,"expiresAt":1764268800000}
/// ```
/// - `value` holds UTF-8 text; a value that is not valid UTF-8 is stored as `valueBase64` instead.
/// - `createdAt` / `expiresAt` are Unix epoch milliseconds (`Date.now()` in JavaScript); `expiresAt` is
///   omitted for entries without a TTL. Both must lie within JavaScript's `Date` range, ±8.64e15 ms
///   (±100 000 000 days): an entry with a timestamp outside it (`1e19`, `-1e300`) is malformed, a miss;
///   the writer clamps into it, so a huge TTL still writes a readable entry. Fractional and negative
///   values inside the range are accepted (a negative `expiresAt` is simply expired).
/// - `staleUntil` (optional, epoch milliseconds, later than `expiresAt`): the end of the entry's
///   stale-allowed lifetime (fail-safe). After `expiresAt` the entry is no longer fresh; until
///   `staleUntil` a reader may serve it only as a stale answer, marked stale, when the origin fails or is
///   slow. It is an optional field of version 1 rather than a version 2 on purpose: readers without
///   fail-safe ignore fields they do not know and go on honouring `expiresAt`, so to them the entry is a
///   correct fresh hit until `expiresAt` and a miss afterwards, never an error and never a stale answer
///   served as fresh; and they can still overwrite it (a version bump would make them treat every entry
///   as a newer one they must not overwrite). The KV TTL is the stale instant, so the key outlives
///   `expiresAt`.
/// - `key` is the cache key the entry was written for, and it is mandatory: a reader serves an entry only
///   for the key it names, so a value can never be returned for another key, even when replies are paired
///   with the wrong command or the backend key mapping is wrong. An entry without `key` (another writer's)
///   is refused as ``DecodeError/missingKey``: a miss, never an answer.
public enum CacheEntryCodec {
    /// The envelope version this codec writes.
    public static let currentVersion = 1

    /// The timestamps an envelope may hold, in Unix epoch milliseconds: JavaScript's `Date` range, so
    /// that every value is a date in every client, and converting it to a duration can never overflow.
    public static let timestampRange: ClosedRange<Double> = -8.64e15...8.64e15

    /// Why stored bytes were not accepted as an entry.
    public enum DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Not a JSON object with the envelope's fields.
        case malformed(String)
        /// An envelope of a version this code does not know.
        case unsupportedVersion(Int)
        /// An envelope written for another key.
        case keyMismatch
        /// An envelope that does not say which key it was written for, so it cannot be proven to belong to
        /// the key asked for.
        case missingKey

        /// A one-line explanation for logs.
        public var description: String {
            switch self {
            case .malformed(let reason): return "malformed entry: \(reason)"
            case .unsupportedVersion(let version): return "unsupported entry version \(version)"
            case .keyMismatch: return "entry was written for another key"
            case .missingKey: return "entry does not name its key"
            }
        }
    }

    /// A decoded entry with the expiry it was written with.
    public struct Decoded: Sendable, Hashable {
        /// The entry.
        public var entry: CacheEntry
        /// When the entry expires (stops being fresh), if it was written with a TTL.
        public var expiresAt: Date?
        /// When its stale-allowed lifetime ends, if it has one beyond ``expiresAt``.
        public var staleUntil: Date?
    }

    private struct Envelope: Codable {
        var v: Int
        var key: String?
        var value: String?
        var valueBase64: String?
        var source: String?
        var createdAt: Double?
        var expiresAt: Double?
        var staleUntil: Double?

        init(
            v: Int, key: String?, value: String? = nil, valueBase64: String? = nil, source: String?, createdAt: Double?,
            expiresAt: Double?, staleUntil: Double? = nil
        ) {
            self.v = v
            self.key = key
            self.value = value
            self.valueBase64 = valueBase64
            self.source = source
            self.createdAt = createdAt
            self.expiresAt = expiresAt
            self.staleUntil = staleUntil
        }
    }

    private struct VersionProbe: Decodable {
        var v: Int?
    }

    /// Encodes `entry`, written for `key`, with an optional expiry and an optional end of its
    /// stale-allowed lifetime (written only when later than `expiresAt`).
    public static func encode(_ entry: CacheEntry, key: String, expiresAt: Date?, staleUntil: Date? = nil) -> [UInt8] {
        let expiry = expiresAt.map(clampedTimestamp)
        let stale = staleUntil.map(clampedTimestamp).flatMap { stale in expiry.map { stale > $0 } == true ? stale : nil }
        var envelope = Envelope(
            v: currentVersion,
            key: key,
            source: entry.source.rawValue,
            createdAt: clampedTimestamp(entry.createdAt),
            expiresAt: expiry,
            staleUntil: stale
        )
        if let text = entry.text {
            envelope.value = text
        } else {
            envelope.valueBase64 = Data(entry.value).base64EncodedString()
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings and numbers cannot fail; an empty array would decode as malformed.
        return (try? Array(encoder.encode(envelope))) ?? []
    }

    /// Decodes stored bytes, checking that they were written for `key` (they must say which key).
    public static func decode(_ bytes: [UInt8], expectedKey key: String) throws(DecodeError) -> Decoded {
        // The fast reader takes the envelopes this library writes; anything else goes to JSONDecoder.
        if let fields = EnvelopeFields(bytes, expectedKey: key) {
            return try validated(
                version: fields.version, key: fields.key, value: fields.value, valueBase64: fields.valueBase64,
                source: fields.source, createdAt: fields.createdAt, expiresAt: fields.expiresAt, staleUntil: fields.staleUntil)
        }
        return try decodeWithFoundation(bytes, expectedKey: key)
    }

    private static func clampedTimestamp(_ date: Date) -> Double {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        return milliseconds.isNaN ? 0 : min(max(milliseconds, timestampRange.lowerBound), timestampRange.upperBound)
    }

    /// The envelope decoded by `JSONDecoder` alone: the reference the fast path must agree with.
    static func decodeWithFoundation(_ bytes: [UInt8], expectedKey key: String) throws(DecodeError) -> Decoded {
        let data = Data(bytes)
        let decoder = JSONDecoder()
        let envelope: Envelope
        do {
            envelope = try decoder.decode(Envelope.self, from: data)
        } catch {
            if let probe = try? decoder.decode(VersionProbe.self, from: data), let version = probe.v,
                version != currentVersion {
                throw .unsupportedVersion(version)
            }
            throw .malformed(bytes.isEmpty ? "empty value" : "not a JSON entry envelope")
        }
        return try decode(envelope, expectedKey: key)
    }

    private static func decode(_ envelope: Envelope, expectedKey key: String) throws(DecodeError) -> Decoded {
        let match: EnvelopeFields.KeyMatch = envelope.key.map { $0 == key ? .matches : .differs } ?? .absent
        return try validated(
            version: envelope.v, key: match, value: envelope.value.map { Array($0.utf8) }, valueBase64: envelope.valueBase64,
            source: envelope.source, createdAt: envelope.createdAt, expiresAt: envelope.expiresAt, staleUntil: envelope.staleUntil)
    }

    /// The checks both decoding paths share, in one order, so they fail with the same error.
    private static func validated(
        version: Int, key: EnvelopeFields.KeyMatch, value text: [UInt8]?, valueBase64: String?, source: String?,
        createdAt: Double?, expiresAt: Double?, staleUntil: Double?
    ) throws(DecodeError) -> Decoded {
        guard version == currentVersion else { throw .unsupportedVersion(version) }
        switch key {
        case .absent: throw .missingKey
        case .differs: throw .keyMismatch
        case .matches: break
        }
        let value: [UInt8]
        if let text {
            value = text
        } else if let encoded = valueBase64 {
            guard let data = Data(base64Encoded: encoded) else { throw .malformed("valueBase64 is not base64") }
            value = Array(data)
        } else {
            throw .malformed("no value")
        }
        guard let source else { throw .malformed("no source") }
        if let createdAt, !timestampRange.contains(createdAt) { throw .malformed("createdAt outside ±8.64e15 ms") }
        if let expiresAt, !timestampRange.contains(expiresAt) { throw .malformed("expiresAt outside ±8.64e15 ms") }
        if let staleUntil, !timestampRange.contains(staleUntil) { throw .malformed("staleUntil outside ±8.64e15 ms") }
        return Decoded(
            entry: CacheEntry(
                bytes: value, source: CacheEntry.Source(rawValue: source),
                createdAt: Date(timeIntervalSince1970: (createdAt ?? 0) / 1000)),
            expiresAt: expiresAt.map { Date(timeIntervalSince1970: $0 / 1000) },
            // A stale instant is meaningful only after a fresh one; otherwise it is ignored.
            staleUntil: staleUntil.flatMap { stale in
                expiresAt.map { stale > $0 } == true ? Date(timeIntervalSince1970: stale / 1000) : nil
            }
        )
    }
}
