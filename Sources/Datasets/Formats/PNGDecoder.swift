// PNG decoding: the signature, the chunk stream (lengths and CRCs checked), the header, the
// palette and its transparency; the pixel data itself is in PNGDecoder+Pixels.swift.

/// Decodes PNG files (ISO/IEC 15948) into ``DecodedImage`` values.
///
/// Supported: colour types gray, gray + alpha, RGB, RGBA and palette at every bit depth the
/// specification allows (1, 2, 4, 8, 16), all five filters, and Adam7 interlacing. 16-bit
/// images keep their 16-bit samples. `tRNS` transparency becomes an alpha channel for
/// palette images and is ignored for gray and RGB images (as PIL does).
///
/// Every chunk's CRC is checked, the image data must decompress to exactly the size the
/// header implies, and the header's size is capped by `maximumPixelCount` before anything
/// is allocated; any violation throws a ``DatasetError`` naming the file and byte offset.
public struct PNGDecoder: Sendable {
    /// The largest `width * height` accepted.
    public var maximumPixelCount: Int

    /// A decoder that accepts images of up to `maximumPixelCount` pixels (16 Mi by default,
    /// far above every dataset here, far below what could exhaust memory).
    public init(maximumPixelCount: Int = 1 << 24) {
        self.maximumPixelCount = maximumPixelCount
    }

    /// The 8-byte signature every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Decodes the PNG file `bytes`.
    ///
    /// - Parameter source: the file name used in error messages.
    /// - Throws: ``DatasetError`` for any malformed or unsupported input.
    public func decode(_ bytes: [UInt8], source: String = "(memory)") throws -> DecodedImage {
        let context = DecodingContext(file: source, format: "PNG")
        guard bytes.count >= 8 else {
            throw context.malformed("file has \(bytes.count) bytes, shorter than the 8-byte signature", at: 0)
        }
        guard Array(bytes[0..<8]) == Self.signature else {
            throw context.malformed("signature \(hexDescription(bytes[0..<8])), expected \(hexDescription(Self.signature))",
                                    at: 0)
        }
        var header: PNGHeader?
        var palette: [UInt8] = []
        var paletteAlpha: [UInt8] = []
        var imageData: [UInt8] = []
        var imageDataState = 0  // 0 none yet, 1 inside the IDAT run, 2 after it
        var offset = 8
        var sawEnd = false
        while !sawEnd {
            guard offset + 12 <= bytes.count else {
                throw context.malformed("file ends inside a chunk header or before IEND "
                                        + "(\(bytes.count - offset) bytes left, a chunk needs at least 12)", at: offset)
            }
            let length = Int(Self.bigEndian32(bytes, offset))
            guard length <= 0x7FFF_FFFF else {
                throw context.malformed("chunk length \(length) exceeds 2^31 - 1", at: offset)
            }
            let typeBytes = bytes[(offset + 4)..<(offset + 8)]
            guard typeBytes.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) }) else {
                throw context.malformed("chunk type \(hexDescription(typeBytes)) is not four ASCII letters", at: offset + 4)
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            let dataStart = offset + 8
            guard dataStart + length + 4 <= bytes.count else {
                throw context.malformed("\(type) chunk declares \(length) data bytes, but only "
                                        + "\(max(0, bytes.count - dataStart - 4)) remain before its CRC", at: offset)
            }
            let data = bytes[dataStart..<(dataStart + length)]
            let storedCRC = Self.bigEndian32(bytes, dataStart + length)
            let computedCRC = CRC32.checksum(bytes[(offset + 4)..<(dataStart + length)])
            guard storedCRC == computedCRC else {
                throw context.malformed("\(type) chunk CRC is 0x\(String(computedCRC, radix: 16)), "
                                        + "the file says 0x\(String(storedCRC, radix: 16))", at: dataStart + length)
            }
            if header == nil && type != "IHDR" {
                throw context.malformed("first chunk is \(type), expected IHDR", at: offset)
            }
            if imageDataState == 1 && type != "IDAT" { imageDataState = 2 }
            switch type {
            case "IHDR":
                guard header == nil else { throw context.malformed("second IHDR chunk", at: offset) }
                header = try PNGHeader(data, at: dataStart, maximumPixelCount: maximumPixelCount, context: context)
            case "PLTE":
                guard palette.isEmpty, imageDataState == 0 else {
                    throw context.malformed("PLTE chunk repeated or after the image data", at: offset)
                }
                guard length % 3 == 0, (3...768).contains(length) else {
                    throw context.malformed("PLTE chunk of \(length) bytes, expected 3 to 768 and a multiple of 3", at: offset)
                }
                if let header, header.colorType == 3, length / 3 > 1 << header.bitDepth {
                    throw context.malformed("palette has \(length / 3) entries, more than \(header.bitDepth)-bit indices "
                                            + "can address", at: offset)
                }
                palette = Array(data)
            case "tRNS":
                if header?.colorType == 3 {
                    guard !palette.isEmpty, length <= palette.count / 3 else {
                        throw context.malformed("tRNS chunk has \(length) alpha values for a palette of "
                                                + "\(palette.count / 3) entries (or precedes PLTE)", at: offset)
                    }
                    paletteAlpha = Array(data)
                }
            case "IDAT":
                guard imageDataState != 2 else {
                    throw context.malformed("IDAT chunks are not consecutive", at: offset)
                }
                imageDataState = 1
                imageData.append(contentsOf: data)
            case "IEND":
                sawEnd = true
            default:
                // Bit 5 of the first letter clear (upper case) marks a chunk needed to display the image.
                if typeBytes.first! & 0x20 == 0 {
                    throw context.unsupported("critical chunk \(type)")
                }
            }
            offset = dataStart + length + 4
        }
        guard let header else { throw context.malformed("no IHDR chunk", at: 8) }
        guard imageDataState != 0 else { throw context.malformed("no IDAT chunk", at: offset) }
        if header.colorType == 3 && palette.isEmpty {
            throw context.malformed("palette image (colour type 3) without a PLTE chunk", at: nil)
        }
        let expected = header.filteredDataCount
        let filtered = try ZlibDecoder.decompress(imageData, maximumOutputCount: expected, source: source,
                                                  format: "PNG (zlib stream of the IDAT chunks)")
        guard filtered.count == expected else {
            throw context.malformed("image data decompressed to \(filtered.count) bytes, the \(header.width)x"
                                    + "\(header.height) header needs \(expected)", at: nil)
        }
        return try PNGPixelDecoder(header: header, palette: palette, paletteAlpha: paletteAlpha, context: context)
            .decode(filtered)
    }

    static func bigEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }
}

/// The validated contents of an IHDR chunk.
struct PNGHeader {
    let width: Int
    let height: Int
    let bitDepth: Int
    let colorType: Int
    let isInterlaced: Bool

    init(_ data: ArraySlice<UInt8>, at offset: Int, maximumPixelCount: Int, context: DecodingContext) throws {
        guard data.count == 13 else {
            throw context.malformed("IHDR chunk has \(data.count) bytes, expected 13", at: offset)
        }
        let bytes = Array(data)
        width = Int(PNGDecoder.bigEndian32(bytes, 0))
        height = Int(PNGDecoder.bigEndian32(bytes, 4))
        bitDepth = Int(bytes[8])
        colorType = Int(bytes[9])
        guard width > 0, height > 0, width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF else {
            throw context.malformed("image size \(width)x\(height), expected 1 to 2^31 - 1 on each side", at: offset)
        }
        guard width * height <= maximumPixelCount else {
            throw context.malformed("image size \(width)x\(height) exceeds the limit of \(maximumPixelCount) pixels",
                                    at: offset)
        }
        let allowedDepths: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let depths = allowedDepths[colorType] else {
            throw context.malformed("colour type \(colorType), expected 0, 2, 3, 4 or 6", at: offset + 9)
        }
        guard depths.contains(bitDepth) else {
            throw context.malformed("bit depth \(bitDepth) is not allowed for colour type \(colorType) "
                                    + "(expected one of \(depths))", at: offset + 8)
        }
        guard bytes[10] == 0 else {
            throw context.malformed("compression method \(bytes[10]), expected 0", at: offset + 10)
        }
        guard bytes[11] == 0 else {
            throw context.malformed("filter method \(bytes[11]), expected 0", at: offset + 11)
        }
        guard bytes[12] <= 1 else {
            throw context.malformed("interlace method \(bytes[12]), expected 0 (none) or 1 (Adam7)", at: offset + 12)
        }
        isInterlaced = bytes[12] == 1
    }

    /// Samples per pixel as stored: palette indices count as one.
    var storedChannels: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }

    /// Bytes per row of `columns` pixels, without the filter-type byte.
    func rowByteCount(columns: Int) -> Int { (columns * storedChannels * bitDepth + 7) / 8 }

    /// The Adam7 passes (x start, y start, x step, y step), or the whole image as one pass.
    var passes: [(x: Int, y: Int, dx: Int, dy: Int)] {
        isInterlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
    }

    /// Columns and rows of a pass (zero when the image is too small to have pixels in it).
    func passSize(_ pass: (x: Int, y: Int, dx: Int, dy: Int)) -> (columns: Int, rows: Int) {
        ((width - pass.x + pass.dx - 1) / pass.dx, (height - pass.y + pass.dy - 1) / pass.dy)
    }

    /// The size of the decompressed data: every row of every non-empty pass plus its filter byte.
    var filteredDataCount: Int {
        passes.reduce(0) { total, pass in
            let (columns, rows) = passSize(pass)
            return columns == 0 || rows == 0 ? total : total + rows * (1 + rowByteCount(columns: columns))
        }
    }
}
