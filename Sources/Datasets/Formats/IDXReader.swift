// MNIST's IDX files (raw or gzip-compressed): the magic number, the dimensions, and exactly
// as many unsigned bytes as the dimensions promise.

/// An n-dimensional array of unsigned bytes read from an IDX file.
public struct IDXArray: Sendable, Equatable {
    /// The sizes of the dimensions, outermost first (e.g. `[count, 28, 28]` for images).
    public let dimensions: [Int]
    /// The values in row-major order; `bytes.count` is the product of `dimensions`.
    public let bytes: [UInt8]

    /// How many items the outermost dimension holds.
    public var count: Int { dimensions.first ?? 0 }

    /// Values per item: the product of the inner dimensions.
    public var itemSize: Int { dimensions.dropFirst().reduce(1, *) }
}

/// Reads IDX files as Yann LeCun's MNIST page defines them: bytes 0 and 1 zero, byte 2 the
/// element type (0x08 for unsigned bytes, the only one MNIST uses), byte 3 the number of
/// dimensions, then one big-endian 32-bit size per dimension and the data.
public enum IDXReader {
    /// The most bytes of data accepted (after gzip decompression): 1 GiB, twenty times the
    /// largest MNIST file, so that a corrupt header cannot request an absurd allocation.
    public static let maximumDataCount = 1 << 30

    /// Decodes an IDX file given as raw or gzip-compressed (magic 1F 8B) bytes.
    ///
    /// - Parameters:
    ///   - expectedRank: when given, the number of dimensions the file must have (3 for images,
    ///     1 for labels).
    ///   - source: the file name used in error messages.
    /// - Throws: ``DatasetError`` for a bad magic number, an element type other than unsigned
    ///   bytes (unsupported), a short header, or data shorter or longer than the dimensions say.
    public static func decode(_ fileBytes: [UInt8], expectedRank: Int? = nil, source: String = "(memory)") throws -> IDXArray {
        let bytes = GzipDecoder.hasGzipMagic(fileBytes)
            ? try GzipDecoder.decompress(fileBytes, maximumOutputCount: maximumDataCount + 4 + 4 * 255, source: source)
            : fileBytes
        let context = DecodingContext(file: source, format: "IDX")
        guard bytes.count >= 4 else {
            throw context.malformed("header needs at least 4 bytes, found \(bytes.count)", at: 0)
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw context.malformed("magic number starts \(hexDescription(bytes[0..<2])), expected 00 00", at: 0)
        }
        let elementType = bytes[2], rank = Int(bytes[3])
        let typeNames: [UInt8: String] = [0x09: "signed byte", 0x0B: "16-bit", 0x0C: "32-bit integer",
                                          0x0D: "float", 0x0E: "double"]
        guard elementType == 0x08 else {
            if let name = typeNames[elementType] { throw context.unsupported("\(name) elements (type 0x\(String(elementType, radix: 16)))") }
            throw context.malformed("element type 0x\(String(elementType, radix: 16)), expected 0x08 (unsigned byte)", at: 2)
        }
        guard rank >= 1 else { throw context.malformed("0 dimensions, expected at least 1", at: 3) }
        if let expectedRank, rank != expectedRank {
            throw context.malformed("\(rank) dimensions, expected \(expectedRank)", at: 3)
        }
        let dataStart = 4 + 4 * rank
        guard bytes.count >= dataStart else {
            throw context.malformed("header with \(rank) dimensions needs \(dataStart) bytes, found \(bytes.count)", at: 0)
        }
        var dimensions: [Int] = []
        var total = 1
        for index in 0..<rank {
            let offset = 4 + 4 * index
            let size = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
                | Int(bytes[offset + 3])
            dimensions.append(size)
            total = total.multipliedReportingOverflow(by: size).overflow ? Int.max : total * size
            guard total <= maximumDataCount else {
                throw context.malformed("dimensions \(dimensions) describe more than \(maximumDataCount) bytes", at: offset)
            }
        }
        guard bytes.count - dataStart == total else {
            throw context.malformed("dimensions \(dimensions) need \(total) data bytes, the file has "
                                    + "\(bytes.count - dataStart)", at: dataStart)
        }
        return IDXArray(dimensions: dimensions, bytes: Array(bytes[dataStart...]))
    }
}
