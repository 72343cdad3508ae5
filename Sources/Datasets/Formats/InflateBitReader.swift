// The LSB-first bit reader DEFLATE needs (RFC 1951 section 3.1.1), which notices when a
// decoder consumes bits past the end of its input instead of reading zeros silently.

/// Reads bits least-significant first from a byte buffer, 64 bits of look-ahead at a time.
///
/// Past the end of the input it shifts in zero bytes so that table look-ups can always peek
/// 15 bits; `checkNotOverrun` turns actually consuming those padding bits into an error.
struct InflateBitReader {
    let input: UnsafeBufferPointer<UInt8>
    /// The next byte to shift into `buffer` (may run past `input.count` by padding bytes).
    private(set) var position: Int
    /// Unconsumed bits, the next bit in bit 0.
    private(set) var buffer: UInt64 = 0
    /// How many bits of `buffer` are valid.
    private(set) var count: Int = 0

    init(_ input: UnsafeBufferPointer<UInt8>, start: Int) {
        self.input = input
        self.position = start
    }

    /// Makes at least 56 bits available (real or padding).
    @inline(__always)
    mutating func refill() {
        if count >= 56 { return }
        if position + 8 <= input.count, let base = input.baseAddress {
            // One unaligned little-endian load, keeping whole bytes only.
            let word = UInt64(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
            buffer |= word << UInt64(count)
            let taken = (63 - count) >> 3
            position += taken
            count += taken << 3
            return
        }
        while count <= 56 {
            let byte: UInt8 = position < input.count ? input[position] : 0
            buffer |= UInt64(byte) << UInt64(count)
            position += 1
            count += 8
        }
    }

    /// The next `width` bits (width <= 56) without consuming them; call `refill` first.
    @inline(__always)
    func peek(_ width: Int) -> UInt64 {
        buffer & ((1 << UInt64(width)) &- 1)
    }

    /// Drops `width` bits (width <= count).
    @inline(__always)
    mutating func consume(_ width: Int) {
        buffer >>= UInt64(width)
        count -= width
    }

    /// Reads `width` bits (0...32) as an integer, LSB first.
    @inline(__always)
    mutating func read(_ width: Int) -> Int {
        refill()
        let value = Int(peek(width))
        consume(width)
        return value
    }

    /// Drops the bits up to the next byte boundary (before stored blocks and trailers).
    mutating func alignToByte() {
        consume(count & 7)
    }

    /// The offset of the first byte not yet consumed, once byte aligned.
    var byteOffset: Int { position - count / 8 }

    /// Whether more bits were consumed than the input holds.
    @inline(__always)
    var isOverrun: Bool {
        position > input.count && (position - input.count) * 8 > count
    }

    /// Throws a "truncated" error if consumed bits ran past the end of the input.
    @inline(__always)
    func checkNotOverrun(_ context: DecodingContext) throws {
        if isOverrun {
            throw context.malformed("unexpected end of data (the stream is truncated)", at: input.count)
        }
    }

    /// Drops all buffered bits and moves to byte `offset` (used after stored blocks).
    mutating func seek(toByte offset: Int) {
        position = offset
        buffer = 0
        count = 0
    }
}
