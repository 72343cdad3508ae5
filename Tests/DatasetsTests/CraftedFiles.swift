// Builders for deliberately broken inputs: an LSB-first bit writer for DEFLATE streams and a
// minimal PNG assembler (stored DEFLATE blocks, real CRCs) whose fields the tests choose.

import Datasets

/// Writes bits least-significant first, as DEFLATE packs them.
struct DeflateBitWriter {
    private(set) var bytes: [UInt8] = []
    private var bitCount = 0

    /// Appends the low `count` bits of `value`, least significant first (header fields, extra bits).
    mutating func write(_ value: Int, bits count: Int) {
        for bit in 0..<count {
            if bitCount % 8 == 0 { bytes.append(0) }
            if (value >> bit) & 1 == 1 { bytes[bytes.count - 1] |= UInt8(1 << (bitCount % 8)) }
            bitCount += 1
        }
    }

    /// Appends a Huffman code of `length` bits, most significant bit first (RFC 1951 3.1.1).
    mutating func writeCode(_ code: Int, length: Int) {
        for bit in stride(from: length - 1, through: 0, by: -1) { write((code >> bit) & 1, bits: 1) }
    }

    /// Appends literal/length symbol `symbol` with the fixed Huffman code (RFC 1951 3.2.6).
    mutating func writeFixedSymbol(_ symbol: Int) {
        switch symbol {
        case 0...143: writeCode(0x30 + symbol, length: 8)
        case 144...255: writeCode(0x190 + symbol - 144, length: 9)
        case 256...279: writeCode(symbol - 256, length: 7)
        default: writeCode(0xC0 + symbol - 280, length: 8)
        }
    }
}

/// A zlib stream of stored blocks holding `data`, with a correct Adler-32 unless told otherwise.
func storedZlib(_ data: [UInt8], adler: UInt32? = nil) -> [UInt8] {
    var stream: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
        let length = min(65535, data.count - offset)
        let isFinal = offset + length == data.count
        stream += [isFinal ? 1 : 0, UInt8(length & 0xFF), UInt8(length >> 8),
                   UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
        stream += data[offset..<(offset + length)]
        offset += length
    } while offset < data.count
    let checksum = adler ?? Adler32.checksum(data)
    stream += [UInt8(checksum >> 24), UInt8((checksum >> 16) & 0xFF), UInt8((checksum >> 8) & 0xFF), UInt8(checksum & 0xFF)]
    return stream
}

/// A PNG chunk with its length and (unless `crc` is given) correct CRC.
func pngChunk(_ type: String, _ data: [UInt8], crc: UInt32? = nil) -> [UInt8] {
    let typeBytes = Array(type.utf8)
    let checksum = crc ?? CRC32.checksum(typeBytes + data)
    return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(checksum)
}

func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

/// The 13 bytes of an IHDR chunk.
func ihdr(width: UInt32, height: UInt32, bitDepth: UInt8 = 8, colorType: UInt8 = 0, interlace: UInt8 = 0) -> [UInt8] {
    bigEndian(width) + bigEndian(height) + [bitDepth, colorType, 0, 0, interlace]
}

/// A PNG from a header and the raw (filter byte + samples) scanlines, stored uncompressed.
func craftPNG(header: [UInt8], scanlines: [UInt8], before: [[UInt8]] = [], after: [[UInt8]] = [],
              end: Bool = true) -> [UInt8] {
    var file = PNGDecoder.signature + pngChunk("IHDR", header)
    for chunk in before { file += chunk }
    file += pngChunk("IDAT", storedZlib(scanlines))
    for chunk in after { file += chunk }
    if end { file += pngChunk("IEND", []) }
    return file
}
