import Testing

@testable import CacheRedis

@Suite("Cluster key slots: CRC16 and hash tags")
struct ClusterSlotTests {
    @Test("known slots of plain keys, as redis-server computes them")
    func knownSlots() {
        #expect(ClusterSlot(key: "foo").rawValue == 12182)
        #expect(ClusterSlot(key: "bar").rawValue == 5061)
        #expect(ClusterSlot(key: "hello").rawValue == 866)
        #expect(ClusterSlot(key: "").rawValue == 0)
        // CRC16/XMODEM's published check value is 0x31C3 for "123456789".
        #expect(ClusterSlot(key: "123456789").rawValue == 0x31C3 & 0x3FFF)
    }

    @Test("a hash tag alone decides the slot")
    func hashTags() {
        let tag = ClusterSlot(key: "user1000")
        #expect(ClusterSlot(key: "{user1000}.following") == tag)
        #expect(ClusterSlot(key: "{user1000}.followers") == tag)
        #expect(ClusterSlot(key: "prefix{user1000}suffix") == tag)
        // Only the first tag counts.
        #expect(ClusterSlot(key: "foo{bar}{zap}") == ClusterSlot(key: "bar"))
    }

    @Test("keyHashSlot's edge cases: empty tags, unclosed braces, nested braces")
    func edgeCases() {
        // An empty tag: the whole key is hashed (not the later `{bar}`).
        #expect(ClusterSlot(key: "foo{}{bar}") == whole("foo{}{bar}"))
        // The tag runs from the first `{` to the first `}` after it.
        #expect(ClusterSlot(key: "foo{{bar}}zap") == ClusterSlot(key: "{bar"))
        // No `}` after the `{`: the whole key.
        #expect(ClusterSlot(key: "foo{bar") == whole("foo{bar"))
        #expect(ClusterSlot(key: "{") == whole("{"))
        #expect(ClusterSlot(key: "{}") == whole("{}"))
        // A `}` before the first `{` does not close anything.
        #expect(ClusterSlot(key: "}{a}") == ClusterSlot(key: "a"))
        #expect(ClusterSlot(key: "{a}") == ClusterSlot(key: "a"))
    }

    @Test("bytes and strings hash alike, contiguous or not")
    func byteForms() {
        let key = "naïve:{tag}:ü"
        let bytes = Array(key.utf8)
        #expect(ClusterSlot(key: bytes) == ClusterSlot(key: key))
        #expect(ClusterSlot(key: bytes.reversed().reversed()) == ClusterSlot(key: key))
        #expect(ClusterSlot(key: Set([UInt8(7)])) == ClusterSlot(key: [UInt8(7)]))
    }

    @Test("slot numbers are checked")
    func bounds() {
        #expect(ClusterSlot(16383)?.rawValue == 16383)
        #expect(ClusterSlot(16384) == nil)
        #expect(ClusterSlot(-1) == nil)
        #expect(ClusterSlot(rawValue: 16384) == nil)
    }

    /// The slot of `key` hashed whole, computed with the CRC alone.
    private func whole(_ key: String) -> ClusterSlot? {
        ClusterSlot(rawValue: Array(key.utf8).withUnsafeBufferPointer { ClusterSlot.crc16($0) } & 0x3FFF)
    }
}
