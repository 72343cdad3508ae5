// Deflate (RFC 1951) compression, stored or fixed-Huffman LZ77, and its zlib (RFC 1950)
// wrapper: what the PNG encoder needs to write IDAT data without a C library.

/// Compresses bytes into deflate streams (RFC 1951) and zlib streams (RFC 1950).
///
/// Two block kinds are written: stored blocks (no compression, at most 65 535 bytes each)
/// and one fixed-Huffman block holding an LZ77 parse (32 KiB window, matches of 3 to 258
/// bytes found through hash chains). Dynamic-Huffman blocks are not written: for the small
/// images this package saves, their code tables cost about what they save.
public enum DeflateEncoder {
    /// How the data is coded.
    public enum Mode: Sendable, Hashable, CaseIterable {
        /// Stored blocks: the input verbatim plus 5 bytes per 65 535-byte block.
        case stored
        /// One fixed-Huffman block with LZ77 back-references.
        case fixedHuffman
        /// Fixed Huffman, or stored blocks when those come out shorter (incompressible data).
        case smallest
    }

    /// The raw deflate stream (no zlib header) of `bytes`.
    public static func deflate(_ bytes: [UInt8], mode: Mode = .smallest) -> [UInt8] {
        switch mode {
        case .stored:
            return storedBlocks(bytes)
        case .fixedHuffman:
            return fixedHuffmanBlock(bytes)
        case .smallest:
            let huffman = fixedHuffmanBlock(bytes)
            return huffman.count <= storedLength(of: bytes.count) ? huffman : storedBlocks(bytes)
        }
    }

    /// The zlib stream of `bytes`: a 2-byte header, the deflate stream, and the Adler-32 of
    /// `bytes` (big-endian).
    public static func zlib(_ bytes: [UInt8], mode: Mode = .smallest) -> [UInt8] {
        // CMF 0x78: method 8 (deflate), 32 KiB window. FLG 0x01 makes 0x7801 a multiple of
        // 31 (the header check) and declares the "fastest" level, which fixed Huffman is.
        var stream: [UInt8] = [0x78, 0x01]
        stream += deflate(bytes, mode: mode)
        let adler = Adler32.checksum(bytes)
        stream += [UInt8(adler >> 24), UInt8(truncatingIfNeeded: adler >> 16),
                   UInt8(truncatingIfNeeded: adler >> 8), UInt8(truncatingIfNeeded: adler)]
        return stream
    }

    // MARK: - Stored blocks

    static let maximumStoredBlock = 65_535

    /// Bytes of the stored encoding of `count` input bytes (an empty input still needs one
    /// block).
    static func storedLength(of count: Int) -> Int {
        let blocks = max(1, (count + maximumStoredBlock - 1) / maximumStoredBlock)
        return count + 5 * blocks
    }

    static func storedBlocks(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(storedLength(of: bytes.count))
        var start = 0
        repeat {
            let length = min(maximumStoredBlock, bytes.count - start)
            let isFinal = start + length == bytes.count
            // The 3 header bits (BFINAL, BTYPE = 00) are padded to a byte boundary, so the
            // header byte is just BFINAL.
            output.append(isFinal ? 1 : 0)
            let length16 = UInt16(length)
            output += [UInt8(truncatingIfNeeded: length16), UInt8(length16 >> 8),
                       UInt8(truncatingIfNeeded: ~length16), UInt8(~length16 >> 8)]
            output += bytes[start..<(start + length)]
            start += length
        } while start < bytes.count
        return output
    }

    // MARK: - Fixed Huffman block

    static func fixedHuffmanBlock(_ bytes: [UInt8]) -> [UInt8] {
        var writer = DeflateBitWriter(capacity: bytes.count + bytes.count / 8 + 16)
        writer.write(1, bitCount: 1)  // BFINAL
        writer.write(1, bitCount: 2)  // BTYPE = 01, fixed Huffman codes
        for token in DeflateMatcher.parse(bytes) {
            switch token {
            case .literal(let byte):
                writeLiteralOrLength(Int(byte), to: &writer)
            case .match(let length, let distance):
                let lengthCode = DeflateTables.lengthCode[length]
                writeLiteralOrLength(257 + Int(lengthCode), to: &writer)
                let lengthExtra = DeflateTables.lengthExtraBits[Int(lengthCode)]
                writer.write(UInt32(length - Int(DeflateTables.lengthBase[Int(lengthCode)])),
                             bitCount: Int(lengthExtra))
                let distanceCode = DeflateTables.distanceCode(for: distance)
                // Fixed distance codes are the 5-bit code numbers, sent most significant bit
                // first like every Huffman code.
                writer.write(DeflateBitWriter.reversed(UInt32(distanceCode), bitCount: 5), bitCount: 5)
                writer.write(UInt32(distance - Int(DeflateTables.distanceBase[distanceCode])),
                             bitCount: Int(DeflateTables.distanceExtraBits[distanceCode]))
            }
        }
        writeLiteralOrLength(256, to: &writer)  // end of block
        return writer.finish()
    }

    /// Writes symbol 0...287 of the fixed literal/length alphabet (RFC 1951 §3.2.6).
    @inline(__always)
    static func writeLiteralOrLength(_ symbol: Int, to writer: inout DeflateBitWriter) {
        let code: UInt32
        let bitCount: Int
        switch symbol {
        case 0...143: (code, bitCount) = (UInt32(0x30 + symbol), 8)
        case 144...255: (code, bitCount) = (UInt32(0x190 + symbol - 144), 9)
        case 256...279: (code, bitCount) = (UInt32(symbol - 256), 7)
        default: (code, bitCount) = (UInt32(0xC0 + symbol - 280), 8)
        }
        writer.write(DeflateBitWriter.reversed(code, bitCount: bitCount), bitCount: bitCount)
    }
}

/// Packs bit fields into bytes least significant bit first, as deflate orders them.
struct DeflateBitWriter {
    private var bytes: [UInt8]
    private var buffer: UInt64 = 0
    private var bufferedBits = 0

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends the low `bitCount` (at most 32) bits of `value`.
    @inline(__always)
    mutating func write(_ value: UInt32, bitCount: Int) {
        guard bitCount > 0 else { return }
        buffer |= UInt64(value & UInt32(truncatingIfNeeded: (1 << bitCount) - 1)) << UInt64(bufferedBits)
        bufferedBits += bitCount
        while bufferedBits >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            bufferedBits -= 8
        }
    }

    /// The bytes written, the last one padded with zero bits.
    mutating func finish() -> [UInt8] {
        if bufferedBits > 0 { bytes.append(UInt8(truncatingIfNeeded: buffer)) }
        buffer = 0
        bufferedBits = 0
        return bytes
    }

    /// `code` with its low `bitCount` bits in reverse order: Huffman codes are defined most
    /// significant bit first but the writer emits least significant bits first.
    @inline(__always)
    static func reversed(_ code: UInt32, bitCount: Int) -> UInt32 {
        var result: UInt32 = 0
        var remaining = code
        for _ in 0..<bitCount {
            result = (result << 1) | (remaining & 1)
            remaining >>= 1
        }
        return result
    }
}
