import CHiredis
import CacheCore

/// hiredis's RESP parser (`redisReader`) alone, without a hiredis connection: the shell feeds it the bytes
/// it read (plain or decrypted) and takes complete replies out, as redis-py's hiredis accelerator does.
final class RedisReplyReader {
    private var reader: UnsafeMutablePointer<redisReader>

    init() {
        reader = redisReaderCreate()
    }

    deinit { redisReaderFree(reader) }

    /// Forgets any partial reply (after the transport is closed).
    func reset() {
        redisReaderFree(reader)
        reader = redisReaderCreate()
    }

    /// Appends bytes read from the socket.
    func feed(_ bytes: UnsafeRawBufferPointer) -> KVError? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        if redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count) != REDIS_OK {
            return KVError(.protocolError, "unreadable reply: \(errorText)")
        }
        return nil
    }

    /// The next complete reply, `nil` when more bytes are needed, or a protocol error.
    func next() -> Result<RedisReply?, KVError> {
        var replyPointer: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &replyPointer) == REDIS_OK else {
            return .failure(KVError(.protocolError, "unreadable reply: \(errorText)"))
        }
        guard let replyPointer else { return .success(nil) }
        defer { freeReplyObject(replyPointer) }
        return .success(RedisReply(copying: replyPointer.assumingMemoryBound(to: redisReply.self)))
    }

    private var errorText: String {
        withUnsafeBytes(of: reader.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
