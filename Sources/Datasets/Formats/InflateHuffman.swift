// Canonical Huffman codes of DEFLATE (RFC 1951 section 3.2.2): a lookup table for short
// codes plus the canonical count/symbol walk for the rare long ones.

/// A decoding table for one DEFLATE Huffman code, built from its code lengths.
///
/// Codes of up to `fastBits` bits decode with one table look-up on the bit-reversed peek
/// (DEFLATE packs Huffman codes starting from their most significant bit); longer codes
/// fall back to walking the canonical code length by length.
struct InflateHuffmanTable {
    static let fastBits = 10
    static let maximumLength = 15

    /// Indexed by the next `fastBits` input bits: `symbol << 4 | length`, or 0 when the code
    /// there is longer than `fastBits` (or unused).
    private var fast: [UInt16]
    /// How many codes have each length 0...15.
    private var lengthCounts: [Int]
    /// Symbols sorted by code (length, then symbol value): the canonical order.
    private var sortedSymbols: [UInt16]

    /// Builds the code for `lengths[i]` = code length of symbol i (0 = unused).
    ///
    /// - Parameter allowsIncomplete: DEFLATE lets a literal/length or distance code use
    ///   fewer code words than the lengths could describe only when at most one code word
    ///   exists (zlib rejects the rest too); the code-length code must always be complete.
    /// - Throws: for an over-subscribed or (disallowed) incomplete set of lengths.
    init(lengths: ArraySlice<UInt8>, allowsIncomplete: Bool, name: String, context: DecodingContext, offset: Int) throws {
        var counts = [Int](repeating: 0, count: Self.maximumLength + 1)
        for length in lengths { counts[Int(length)] += 1 }
        var left = 1
        for length in 1...Self.maximumLength {
            left <<= 1
            left -= counts[length]
            if left < 0 {
                throw context.malformed("over-subscribed \(name) Huffman code (more codes than the lengths allow)", at: offset)
            }
        }
        let used = lengths.count - counts[0]
        if left > 0 && !(allowsIncomplete && used <= 1) {
            throw context.malformed("incomplete \(name) Huffman code (\(used) code lengths leave unused code space)", at: offset)
        }

        // Where each length's symbols start in the canonical order.
        var offsets = [Int](repeating: 0, count: Self.maximumLength + 2)
        for length in 1...Self.maximumLength { offsets[length + 1] = offsets[length] + counts[length] }
        var sorted = [UInt16](repeating: 0, count: max(used, 1))
        // RFC 1951 3.2.2: the first code of each length follows the last of the shorter one.
        var nextCode = [Int](repeating: 0, count: Self.maximumLength + 1)
        var code = 0
        counts[0] = 0
        for length in 1...Self.maximumLength {
            code = (code + counts[length - 1]) << 1
            nextCode[length] = code
        }

        var fast = [UInt16](repeating: 0, count: 1 << Self.fastBits)
        for (symbolIndex, length) in lengths.enumerated() where length > 0 {
            let length = Int(length)
            sorted[offsets[length]] = UInt16(symbolIndex)
            offsets[length] += 1
            let codeWord = nextCode[length]
            nextCode[length] += 1
            if length <= Self.fastBits {
                let reversed = Self.reverse(codeWord, width: length)
                let entry = UInt16(symbolIndex) << 4 | UInt16(length)
                var slot = reversed
                while slot < 1 << Self.fastBits {
                    fast[slot] = entry
                    slot += 1 << length
                }
            }
        }
        self.fast = fast
        self.lengthCounts = counts
        self.sortedSymbols = sorted
    }

    private static func reverse(_ value: Int, width: Int) -> Int {
        var result = 0
        var value = value
        for _ in 0..<width {
            result = result << 1 | value & 1
            value >>= 1
        }
        return result
    }

    /// Decodes one symbol. The caller refills `reader` first (at least 15 bits buffered) and
    /// checks for overrun afterwards.
    @inline(__always)
    func decode(_ reader: inout InflateBitReader, context: DecodingContext, name: String) throws -> Int {
        let entry = fast.withUnsafeBufferPointer { $0[Int(reader.peek(Self.fastBits))] }
        if entry != 0 {
            reader.consume(Int(entry & 15))
            return Int(entry >> 4)
        }
        return try decodeSlowly(&reader, context: context, name: name)
    }

    /// The canonical walk: at each length, codes of that length are the `count` values
    /// starting at `first`; anything else continues with one more bit.
    private func decodeSlowly(_ reader: inout InflateBitReader, context: DecodingContext, name: String) throws -> Int {
        let bits = reader.peek(Self.maximumLength)
        var code = 0
        var first = 0
        var index = 0
        for length in 1...Self.maximumLength {
            code |= Int((bits >> UInt64(length - 1)) & 1)
            let count = lengthCounts[length]
            if code >= first && code - first < count {
                reader.consume(length)
                return Int(sortedSymbols[index + code - first])
            }
            index += count
            first = (first + count) << 1
            code <<= 1
        }
        throw context.malformed("invalid \(name) Huffman code (bits match no code word)", at: reader.byteOffset)
    }
}
