// Baseline JPEG decoding (ITU T.81, JFIF): the marker stream and its segments (DQT, DHT,
// SOF0/1, DRI, SOS, APP14); scans are in JPEGScan.swift, colour in JPEGColor.swift.

/// Decodes baseline (sequential, Huffman-coded, 8-bit) JPEG files into ``DecodedImage``s.
///
/// Supported: grayscale and three-component (YCbCr, or RGB when an Adobe marker or the
/// component ids say so) frames, any integral sampling factors (4:4:4, 4:2:2, 4:2:0, ...),
/// interleaved and single-component scans, restart markers. Chroma is upsampled with the
/// triangular ("fancy") filter libjpeg uses by default for 2x1 and 2x2 sampling, and colour
/// is converted with the JFIF equations in 16-bit fixed point, so output matches libjpeg
/// (and PIL) to within the rounding of its integer IDCT: see `JPEGIDCT`.
///
/// Progressive, lossless, hierarchical and arithmetic-coded files, 12-bit samples, CMYK and
/// heights given by a DNL marker throw ``DatasetError/unsupported(file:format:feature:)``;
/// corrupt files (bad markers or lengths, missing tables, bad Huffman codes, markers inside
/// a scan, truncation) throw ``DatasetError/malformed(file:format:offset:reason:)``.
public struct JPEGDecoder: Sendable {
    /// The largest `width * height` accepted, checked before any allocation.
    public var maximumPixelCount: Int

    /// A decoder that accepts images of up to `maximumPixelCount` pixels (16 Mi by default).
    public init(maximumPixelCount: Int = 1 << 24) {
        self.maximumPixelCount = maximumPixelCount
    }

    /// Decodes the JPEG file `bytes` into 8-bit gray (1 channel) or RGB (3 channels).
    ///
    /// - Parameter source: the file name used in error messages.
    public func decode(_ bytes: [UInt8], source: String = "(memory)") throws -> DecodedImage {
        let context = DecodingContext(file: source, format: "JPEG")
        return try bytes.withUnsafeBufferPointer { data in
            var state = JPEGParseState(data: data, context: context, maximumPixelCount: maximumPixelCount)
            return try state.run()
        }
    }
}

/// The tables and frame accumulated while walking the marker stream.
struct JPEGParseState {
    let data: UnsafeBufferPointer<UInt8>
    let context: DecodingContext
    let maximumPixelCount: Int
    var quantizationTables = [[Float]?](repeating: nil, count: 4)
    var dcTables = [JPEGHuffmanTable?](repeating: nil, count: 4)
    var acTables = [JPEGHuffmanTable?](repeating: nil, count: 4)
    var restartInterval = 0
    var adobeTransform: Int?
    var frame: JPEGFrame?

    init(data: UnsafeBufferPointer<UInt8>, context: DecodingContext, maximumPixelCount: Int) {
        self.data = data
        self.context = context
        self.maximumPixelCount = maximumPixelCount
    }

    mutating func run() throws -> DecodedImage {
        guard data.count >= 2, data[0] == 0xFF, data[1] == 0xD8 else {
            let found = hexDescription(data.prefix(2))
            throw context.malformed("start-of-image marker ff d8 expected, found \(found.isEmpty ? "nothing" : found)", at: 0)
        }
        var offset = 2
        while true {
            guard offset < data.count else {
                throw context.malformed("file ends before the end-of-image marker (ff d9)", at: offset)
            }
            guard data[offset] == 0xFF else {
                throw context.malformed("expected a marker (ff xx), found byte \(hexDescription([data[offset]]))", at: offset)
            }
            while offset < data.count && data[offset] == 0xFF { offset += 1 }  // fill bytes
            guard offset < data.count else {
                throw context.malformed("file ends inside a marker", at: offset)
            }
            let marker = data[offset]
            let markerOffset = offset - 1
            offset += 1
            switch marker {
            case 0xD9:
                return try finish(at: markerOffset)
            case 0xD0...0xD7:
                throw context.malformed("restart marker RST\(marker - 0xD0) outside entropy-coded data", at: markerOffset)
            case 0xD8:
                throw context.malformed("second start-of-image marker", at: markerOffset)
            case 0x01:
                continue  // TEM: no length, no meaning for decoding
            default:
                break
            }
            guard offset + 2 <= data.count else {
                throw context.malformed("segment length of marker ff \(hexDescription([marker])) runs past the end",
                                        at: offset)
            }
            let length = Int(data[offset]) << 8 | Int(data[offset + 1])
            guard length >= 2, offset + length <= data.count else {
                throw context.malformed("marker ff \(hexDescription([marker])) declares a \(length)-byte segment, "
                                        + "\(data.count - offset) bytes remain", at: offset)
            }
            let segment = (offset + 2)..<(offset + length)
            switch marker {
            case 0xC0, 0xC1: try readFrame(segment, baseline: marker == 0xC0)
            case 0xC2, 0xC6, 0xCA, 0xCE: throw context.unsupported("progressive JPEG (SOF\(marker - 0xC0))")
            case 0xC3, 0xC7, 0xCB, 0xCF: throw context.unsupported("lossless JPEG (SOF\(marker - 0xC0))")
            case 0xC5: throw context.unsupported("hierarchical JPEG (SOF5)")
            case 0xC9, 0xCC: throw context.unsupported("arithmetic-coded JPEG")
            case 0xC4: try readHuffmanTables(segment)
            case 0xDB: try readQuantizationTables(segment)
            case 0xDD:
                guard segment.count == 2 else {
                    throw context.malformed("DRI segment of \(segment.count) bytes, expected 2", at: offset)
                }
                restartInterval = Int(data[segment.lowerBound]) << 8 | Int(data[segment.lowerBound + 1])
            case 0xDC: throw context.unsupported("image height given by a DNL marker")
            case 0xDA:
                offset = try readScan(segment)
                continue
            case 0xEE: readAdobe(segment)
            case 0xE0...0xEF, 0xFE: break  // APPn and comments carry nothing the pixels need
            default:
                throw context.malformed("unexpected marker ff \(hexDescription([marker]))", at: markerOffset)
            }
            offset += length
        }
    }

    private func byte(_ index: Int) -> Int { Int(data[index]) }

    private mutating func readQuantizationTables(_ segment: Range<Int>) throws {
        var offset = segment.lowerBound
        while offset < segment.upperBound {
            let precision = byte(offset) >> 4, index = byte(offset) & 15
            guard precision <= 1, index <= 3 else {
                throw context.malformed("DQT precision \(precision) / table \(index), expected 0-1 / 0-3", at: offset)
            }
            let size = precision == 0 ? 64 : 128
            guard offset + 1 + size <= segment.upperBound else {
                throw context.malformed("DQT table \(index) needs \(size) bytes, the segment has "
                                        + "\(segment.upperBound - offset - 1)", at: offset)
            }
            quantizationTables[index] = (0..<64).map { position in
                precision == 0 ? Float(byte(offset + 1 + position))
                    : Float(byte(offset + 1 + 2 * position) << 8 | byte(offset + 2 + 2 * position))
            }
            offset += 1 + size
        }
    }

    private mutating func readHuffmanTables(_ segment: Range<Int>) throws {
        var offset = segment.lowerBound
        while offset < segment.upperBound {
            guard offset + 17 <= segment.upperBound else {
                throw context.malformed("DHT table header needs 17 bytes, the segment has \(segment.upperBound - offset)",
                                        at: offset)
            }
            let tableClass = byte(offset) >> 4, index = byte(offset) & 15
            guard tableClass <= 1, index <= 3 else {
                throw context.malformed("DHT class \(tableClass) / table \(index), expected 0-1 / 0-3", at: offset)
            }
            let counts = (0..<16).map { byte(offset + 1 + $0) }
            let total = counts.reduce(0, +)
            guard total <= 256, offset + 17 + total <= segment.upperBound else {
                throw context.malformed("DHT table declares \(total) codes, the segment holds "
                                        + "\(segment.upperBound - offset - 17) values", at: offset)
            }
            let values = Array(data[(offset + 17)..<(offset + 17 + total)])
            let table = try JPEGHuffmanTable(counts: counts, values: values, context: context, offset: offset)
            if tableClass == 0 { dcTables[index] = table } else { acTables[index] = table }
            offset += 17 + total
        }
    }

    private mutating func readFrame(_ segment: Range<Int>, baseline: Bool) throws {
        let offset = segment.lowerBound
        guard frame == nil else { throw context.malformed("second frame header (SOF)", at: offset) }
        guard segment.count >= 6 else {
            throw context.malformed("SOF segment of \(segment.count) bytes, at least 6 expected", at: offset)
        }
        let precision = byte(offset)
        guard precision == 8 else {
            throw context.unsupported("\(precision)-bit samples (only 8-bit baseline is supported)")
        }
        let height = byte(offset + 1) << 8 | byte(offset + 2)
        let width = byte(offset + 3) << 8 | byte(offset + 4)
        let count = byte(offset + 5)
        guard height > 0 else { throw context.unsupported("image height given by a DNL marker (height 0)") }
        guard width > 0 else { throw context.malformed("image width 0", at: offset + 3) }
        guard width * height <= maximumPixelCount else {
            throw context.malformed("image size \(width)x\(height) exceeds the limit of \(maximumPixelCount) pixels",
                                    at: offset + 1)
        }
        guard count == 1 || count == 3 else {
            if count == 4 { throw context.unsupported("4-component (CMYK/YCCK) JPEG") }
            throw context.malformed("\(count) components, expected 1 or 3", at: offset + 5)
        }
        guard segment.count == 6 + 3 * count else {
            throw context.malformed("SOF segment of \(segment.count) bytes for \(count) components, expected "
                                    + "\(6 + 3 * count)", at: offset)
        }
        var components: [JPEGComponent] = []
        for index in 0..<count {
            let base = offset + 6 + 3 * index
            let id = data[base], horizontal = byte(base + 1) >> 4, vertical = byte(base + 1) & 15
            let table = byte(base + 2)
            guard (1...4).contains(horizontal), (1...4).contains(vertical), table <= 3 else {
                throw context.malformed("component \(id): sampling \(horizontal)x\(vertical), table \(table); expected "
                                        + "sampling 1-4 and table 0-3", at: base)
            }
            guard !components.contains(where: { $0.id == id }) else {
                throw context.malformed("component id \(id) appears twice", at: base)
            }
            components.append(JPEGComponent(id: id, horizontal: horizontal, vertical: vertical, quantizationTable: table))
        }
        frame = try JPEGFrame(width: width, height: height, components: components, context: context)
    }

    private mutating func readAdobe(_ segment: Range<Int>) {
        // "Adobe" + version(2) + flags0(2) + flags1(2) + transform(1)
        guard segment.count >= 12,
              Array(data[segment.lowerBound..<(segment.lowerBound + 5)]) == Array("Adobe".utf8)
        else { return }
        adobeTransform = byte(segment.lowerBound + 11)
    }

    /// Reads an SOS header, decodes its entropy-coded data and returns the offset of the
    /// marker that follows it.
    private mutating func readScan(_ segment: Range<Int>) throws -> Int {
        let offset = segment.lowerBound
        guard var frame else { throw context.malformed("scan (SOS) before the frame header (SOF)", at: offset) }
        guard !segment.isEmpty else { throw context.malformed("empty SOS segment", at: offset) }
        let count = byte(offset)
        guard (1...4).contains(count), segment.count == 4 + 2 * count else {
            throw context.malformed("SOS segment of \(segment.count) bytes for \(count) components", at: offset)
        }
        var members: [JPEGScanMember] = []
        for index in 0..<count {
            let base = offset + 1 + 2 * index
            let id = data[base]
            guard let componentIndex = frame.components.firstIndex(where: { $0.id == id }) else {
                throw context.malformed("scan names component id \(id), which the frame does not have", at: base)
            }
            guard members.last.map({ $0.component < componentIndex }) ?? true else {
                throw context.malformed("scan components out of frame order or repeated", at: base)
            }
            let dc = byte(base + 1) >> 4, ac = byte(base + 1) & 15
            guard dc <= 3, ac <= 3, let dcTable = dcTables[dc], let acTable = acTables[ac] else {
                throw context.malformed("component \(id) uses Huffman tables DC \(dc) / AC \(ac), "
                                        + "which are not defined", at: base)
            }
            let quantIndex = frame.components[componentIndex].quantizationTable
            guard let quantization = quantizationTables[quantIndex] else {
                throw context.malformed("component \(id) uses quantisation table \(quantIndex), which is not defined",
                                        at: base)
            }
            members.append(JPEGScanMember(component: componentIndex, dcTable: dcTable, acTable: acTable,
                                          quantization: quantization))
        }
        let spectral = (byte(segment.upperBound - 3), byte(segment.upperBound - 2), byte(segment.upperBound - 1))
        guard spectral.0 == 0, spectral.1 == 63, spectral.2 == 0 else {
            throw context.malformed("scan selects coefficients \(spectral.0)...\(spectral.1) with approximation "
                                    + "\(spectral.2); a sequential scan needs 0...63 and 0", at: segment.upperBound - 3)
        }
        if count > 1 {
            let blocks = members.reduce(0) { $0 + frame.components[$1.component].blocksPerMCU }
            guard blocks <= 10 else {
                throw context.malformed("interleaved scan has \(blocks) blocks per MCU, at most 10 allowed", at: offset)
            }
        }
        var scan = JPEGScanDecoder(data: data, context: context, restartInterval: restartInterval)
        let end = try scan.decode(members, frame: &frame, start: segment.upperBound)
        self.frame = frame
        return end
    }

    private func finish(at offset: Int) throws -> DecodedImage {
        guard let frame else { throw context.malformed("end of image before any frame", at: offset) }
        if let missing = frame.components.first(where: { !$0.wasScanned }) {
            throw context.malformed("end of image before any scan of component \(missing.id)", at: offset)
        }
        let isRGB = frame.components.count == 3
            && (adobeTransform == 0
                || (adobeTransform == nil && frame.components.map(\.id) == Array("RGB".utf8)))
        return try JPEGColorConverter(frame: frame, context: context).image(componentsAreRGB: isRGB)
    }
}
