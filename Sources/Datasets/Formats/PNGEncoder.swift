// Writing 8-bit gray, RGB and RGBA images as PNG files (signature, IHDR, IDAT, IEND) in
// pure Swift: per-row adaptive filtering, zlib-wrapped deflate, CRC-32 per chunk.

import Foundation

/// Encodes 8-bit images as PNG (ISO/IEC 15948, the W3C PNG specification).
///
/// Each row gets the filter (None, Sub, Up, Average or Paeth) whose output has the smallest
/// sum of absolute values as signed bytes, the specification's recommended heuristic; the
/// filtered rows are deflated into a zlib stream and split over IDAT chunks.
public enum PNGEncoder {
    /// The pixel layouts the encoder writes, all at 8 bits per sample.
    public enum ColorType: Sendable, Hashable, CaseIterable {
        /// One sample per pixel (PNG colour type 0).
        case gray
        /// Red, green, blue (PNG colour type 2).
        case rgb
        /// Red, green, blue, alpha; alpha is not premultiplied (PNG colour type 6).
        case rgba

        /// Samples per pixel.
        public var channels: Int {
            switch self {
            case .gray: 1
            case .rgb: 3
            case .rgba: 4
            }
        }

        /// The colour type byte of the IHDR chunk.
        var headerCode: UInt8 {
            switch self {
            case .gray: 0
            case .rgb: 2
            case .rgba: 6
            }
        }

        /// The colour type with `channels` samples per pixel, if there is one.
        public init?(channels: Int) {
            switch channels {
            case 1: self = .gray
            case 3: self = .rgb
            case 4: self = .rgba
            default: return nil
            }
        }
    }

    /// An 8-bit image ready to encode.
    public struct Image: Sendable, Hashable {
        /// Width in pixels (at least 1).
        public var width: Int
        /// Height in pixels (at least 1).
        public var height: Int
        /// How the samples of a pixel are laid out.
        public var colorType: ColorType
        /// `height * width * channels` samples in `[height, width, channels]` row-major
        /// (interleaved) order.
        public var pixels: [UInt8]

        /// An image over `pixels`, laid out `[height, width, colorType.channels]`.
        ///
        /// - Precondition: the sizes are positive and `pixels` has exactly
        ///   `height * width * colorType.channels` samples.
        public init(width: Int, height: Int, colorType: ColorType, pixels: [UInt8]) {
            precondition(width > 0 && height > 0 && width < 1 << 31 && height < 1 << 31,
                         "PNG size must be positive and below 2^31, got \(width)x\(height)")
            precondition(pixels.count == width * height * colorType.channels,
                         "a \(width)x\(height) \(colorType) image needs \(width * height * colorType.channels) samples, got \(pixels.count)")
            self.width = width
            self.height = height
            self.colorType = colorType
            self.pixels = pixels
        }
    }

    /// The eight bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// IDAT payloads are cut into chunks of this many bytes (libpng's default size), so a
    /// reader never needs one very large chunk in memory.
    static let idatChunkSize = 8_192

    /// The PNG file of `image`.
    ///
    /// - Parameter compression: how the filtered rows are deflated; `.smallest` (fixed
    ///   Huffman unless stored blocks are shorter) by default.
    public static func encode(_ image: Image, compression: DeflateEncoder.Mode = .smallest) -> [UInt8] {
        encode(image, compression: compression, rowFilter: nil)
    }

    /// `rowFilter`, when given, fixes each row's filter type instead of the heuristic (tests
    /// use it to exercise all five).
    static func encode(_ image: Image, compression: DeflateEncoder.Mode, rowFilter: ((Int) -> UInt8)?) -> [UInt8] {
        let filtered = filteredRows(of: image, rowFilter: rowFilter)
        let stream = DeflateEncoder.zlib(filtered, mode: compression)

        var file = signature
        file.reserveCapacity(signature.count + stream.count + 64)
        var header: [UInt8] = []
        header += bigEndian(UInt32(image.width))
        header += bigEndian(UInt32(image.height))
        // Bit depth 8, colour type, compression 0 (deflate), filter method 0, no interlace.
        header += [8, image.colorType.headerCode, 0, 0, 0]
        appendChunk("IHDR", header, to: &file)
        var start = 0
        repeat {
            let end = min(stream.count, start + idatChunkSize)
            appendChunk("IDAT", stream[start..<end], to: &file)
            start = end
        } while start < stream.count
        appendChunk("IEND", [], to: &file)
        return file
    }

    /// Encodes `image` and writes it to `url` atomically (a temporary file in the same
    /// folder, then a rename), so a reader never sees a partial PNG.
    public static func write(_ image: Image, to url: URL, compression: DeflateEncoder.Mode = .smallest) throws {
        try Data(encode(image, compression: compression)).write(to: url, options: .atomic)
    }

    // MARK: - Chunks

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    /// Appends length, type, data and the CRC-32 of type and data.
    static func appendChunk<Payload: Collection<UInt8>>(_ type: String, _ data: Payload, to file: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        file += bigEndian(UInt32(data.count))
        file += typeBytes
        file += data
        var crc = CRC32()
        crc.update(typeBytes)
        crc.update(data)
        file += bigEndian(crc.value)
    }

    // MARK: - Filtering

    /// Each row as a filter-type byte followed by the filtered samples.
    static func filteredRows(of image: Image, rowFilter: ((Int) -> UInt8)? = nil) -> [UInt8] {
        let bytesPerPixel = image.colorType.channels
        let rowLength = image.width * bytesPerPixel
        var output = [UInt8](repeating: 0, count: image.height * (rowLength + 1))
        let zeroRow = [UInt8](repeating: 0, count: rowLength)

        output.withUnsafeMutableBufferPointer { output in
        image.pixels.withUnsafeBufferPointer { pixels in
        zeroRow.withUnsafeBufferPointer { zeros in
            for row in 0..<image.height {
                let current = UnsafeBufferPointer(rebasing: pixels[(row * rowLength)..<((row + 1) * rowLength)])
                let above = row == 0 ? zeros
                    : UnsafeBufferPointer(rebasing: pixels[((row - 1) * rowLength)..<(row * rowLength)])
                var chosen: UInt8 = 0
                if let rowFilter {
                    chosen = rowFilter(row)
                } else {
                    var bestScore = Int.max
                    for filter: UInt8 in 0...4 {
                        let score = filterRow(filter, current, above, bytesPerPixel: bytesPerPixel, into: nil)
                        if score < bestScore {
                            bestScore = score
                            chosen = filter
                        }
                    }
                }
                let start = row * (rowLength + 1)
                output[start] = chosen
                _ = filterRow(chosen, current, above, bytesPerPixel: bytesPerPixel,
                              into: UnsafeMutableBufferPointer(rebasing: output[(start + 1)...(start + rowLength)]))
            }
        }
        }
        }
        return output
    }

    /// Filters one row with `filter` (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth), writing the
    /// result to `output` when given, and returns the sum of the filtered bytes' magnitudes
    /// read as signed bytes.
    static func filterRow(_ filter: UInt8, _ current: UnsafeBufferPointer<UInt8>, _ above: UnsafeBufferPointer<UInt8>,
                          bytesPerPixel: Int, into output: UnsafeMutableBufferPointer<UInt8>?) -> Int {
        // One loop per filter type, so each loop body is branch-free.
        @inline(__always)
        func run(_ predictor: (Int) -> UInt8) -> Int {
            var score = 0
            for index in 0..<current.count {
                let value = current[index] &- predictor(index)
                output?[index] = value
                score += value < 128 ? Int(value) : 256 - Int(value)
            }
            return score
        }
        let step = bytesPerPixel
        switch filter {
        case 0:
            return run { _ in 0 }
        case 1:
            return run { $0 >= step ? current[$0 - step] : 0 }
        case 2:
            return run { above[$0] }
        case 3:
            return run { UInt8((UInt16($0 >= step ? current[$0 - step] : 0) + UInt16(above[$0])) / 2) }
        default:
            return run {
                paeth(left: $0 >= step ? current[$0 - step] : 0, up: above[$0],
                      upperLeft: $0 >= step ? above[$0 - step] : 0)
            }
        }
    }

    /// The Paeth predictor: whichever neighbour is closest to left + up - upperLeft, ties
    /// broken in the order left, up, upper-left.
    @inline(__always)
    static func paeth(left: UInt8, up: UInt8, upperLeft: UInt8) -> UInt8 {
        let estimate = Int(left) + Int(up) - Int(upperLeft)
        let distanceLeft = abs(estimate - Int(left))
        let distanceUp = abs(estimate - Int(up))
        let distanceUpperLeft = abs(estimate - Int(upperLeft))
        if distanceLeft <= distanceUp && distanceLeft <= distanceUpperLeft { return left }
        if distanceUp <= distanceUpperLeft { return up }
        return upperLeft
    }
}
