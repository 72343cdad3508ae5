// JPEG entropy-coded data (ITU T.81 annex C and F.2.2): Huffman tables and an MSB-first bit
// reader that removes byte stuffing, stops at markers and reports reading past them.

/// A Huffman table from a DHT segment: a look-up table for codes of up to 9 bits and the
/// per-length maximum codes of T.81 F.2.2.3 for longer ones.
struct JPEGHuffmanTable: Sendable {
    static let fastBits = 9

    /// Indexed by the next 9 bits: `value << 5 | length`, or 0 when the code is longer.
    private var fast: [UInt16]
    /// `maximumCode[l]`: the largest code of length l, or -1 when there is none.
    private var maximumCode: [Int]
    /// `valueOffset[l]`: added to a code of length l to index `values`.
    private var valueOffset: [Int]
    private var values: [UInt8]

    /// Builds the table from the 16 code-length counts and the values of a DHT segment.
    ///
    /// - Throws: when the counts describe more codes than fit, or use the all-ones code
    ///   that T.81 reserves (C.2: codes are assigned in order and never all 1-bits).
    init(counts: [Int], values: [UInt8], context: DecodingContext, offset: Int) throws {
        var fast = [UInt16](repeating: 0, count: 1 << Self.fastBits)
        var maximumCode = [Int](repeating: -1, count: 17)
        var valueOffset = [Int](repeating: 0, count: 17)
        var code = 0
        var index = 0
        for length in 1...16 {
            valueOffset[length] = index - code
            guard code + counts[length - 1] < 1 << length else {
                throw context.malformed("Huffman table has more codes of length <= \(length) than fit "
                                        + "(or uses the reserved all-ones code)", at: offset)
            }
            for _ in 0..<counts[length - 1] {
                if length <= Self.fastBits {
                    let entry = UInt16(values[index]) << 5 | UInt16(length)
                    let first = code << (Self.fastBits - length)
                    for slot in first..<(first + 1 << (Self.fastBits - length)) { fast[slot] = entry }
                }
                code += 1
                index += 1
            }
            if counts[length - 1] > 0 { maximumCode[length] = code - 1 }
            code <<= 1
        }
        self.fast = fast
        self.maximumCode = maximumCode
        self.valueOffset = valueOffset
        self.values = values
    }

    /// Decodes one value; the reader must hold at least 16 bits (after `refill`).
    @inline(__always)
    func decode(_ reader: inout JPEGBitReader, context: DecodingContext) throws -> Int {
        let entry = fast.withUnsafeBufferPointer { $0[Int(reader.peek(Self.fastBits))] }
        if entry != 0 {
            reader.consume(Int(entry & 31))
            return Int(entry >> 5)
        }
        for length in (Self.fastBits + 1)...16 {
            let code = Int(reader.peek(length))
            if code <= maximumCode[length] && code + valueOffset[length] >= 0 {
                reader.consume(length)
                return Int(values[code + valueOffset[length]])
            }
        }
        throw context.malformed("bad Huffman code: the next 16 bits 0x\(String(reader.peek(16), radix: 16)) "
                                + "match no code of the table", at: reader.approximateOffset)
    }
}

/// Reads entropy-coded JPEG data most-significant bit first.
///
/// A 0xFF data byte arrives stuffed as FF 00; any other FF xx is a marker, where reading
/// stops: the reader then shifts in zero bits so that look-ups can peek, and `isOverrun`
/// says whether any of those were actually consumed (a truncated or corrupt scan).
struct JPEGBitReader {
    let data: UnsafeBufferPointer<UInt8>
    /// The next byte to load; at a marker it stays on the marker's FF.
    private(set) var position: Int
    /// Valid bits at the top (bit 63 first).
    private(set) var buffer: UInt64 = 0
    private(set) var count = 0
    /// Zero bits shifted in after reaching a marker or the end of the data.
    private(set) var paddingBits = 0
    /// Whether loading stopped at a marker (or the end of the data).
    private(set) var reachedMarker = false

    init(_ data: UnsafeBufferPointer<UInt8>, start: Int) {
        self.data = data
        self.position = start
    }

    /// Loads bytes until at least 57 bits are buffered (zeros past a marker).
    @inline(__always)
    mutating func refill() {
        while count <= 56 {
            var byte: UInt8 = 0
            if reachedMarker {
                paddingBits += 8
            } else if position >= data.count {
                reachedMarker = true
                paddingBits += 8
            } else if data[position] != 0xFF {
                byte = data[position]
                position += 1
            } else {
                let next = position + 1 < data.count ? data[position + 1] : 0xD9
                if next == 0x00 {
                    byte = 0xFF
                    position += 2
                } else if next == 0xFF {
                    position += 1  // a fill byte before a marker
                    continue
                } else {
                    reachedMarker = true
                    paddingBits += 8
                }
            }
            buffer |= UInt64(byte) << UInt64(56 - count)
            count += 8
        }
    }

    @inline(__always)
    func peek(_ width: Int) -> UInt64 { buffer >> UInt64(64 - width) }

    @inline(__always)
    mutating func consume(_ width: Int) {
        buffer <<= UInt64(width)
        count -= width
    }

    /// Reads `width` (1...16) bits and sign-extends them as T.81 F.2.2.1 EXTEND does: a value
    /// below 2^(width-1) stands for a negative number.
    @inline(__always)
    mutating func receiveExtended(_ width: Int) -> Int {
        if width == 0 { return 0 }
        let value = Int(peek(width))
        consume(width)
        return value < 1 << (width - 1) ? value - (1 << width) + 1 : value
    }

    /// Whether bits past the marker or the end of the data were consumed.
    @inline(__always)
    var isOverrun: Bool { paddingBits > count }

    /// Real (not padding) bits still buffered.
    var realBitsLeft: Int { count - min(count, paddingBits) }

    /// The byte offset near the current bit position, for messages.
    var approximateOffset: Int { max(0, position - realBitsLeft / 8) }

    /// The marker byte at `position` (after FF), if loading stopped at one.
    var markerCode: UInt8? {
        position + 1 < data.count && data[position] == 0xFF ? data[position + 1] : nil
    }

    /// Continues after the marker at `position` (a restart): clears all buffered bits.
    mutating func skipMarker() {
        position += 2
        buffer = 0
        count = 0
        paddingBits = 0
        reachedMarker = false
    }
}
