// JPEG frame geometry and sequential scans (ITU T.81 annex F): MCU order, restart
// intervals, Huffman decoding of each 8x8 block, dequantisation and the IDCT.

/// One colour component of a frame and the sample plane its blocks decode into.
struct JPEGComponent {
    let id: UInt8
    let horizontal: Int
    let vertical: Int
    let quantizationTable: Int
    /// Samples per row and rows that carry image content: ceil(X * h / hmax), ceil(Y * v / vmax).
    var width = 0
    var height = 0
    /// The plane, padded to whole MCUs.
    var plane: JPEGPlane?
    var wasScanned = false

    init(id: UInt8, horizontal: Int, vertical: Int, quantizationTable: Int) {
        self.id = id
        self.horizontal = horizontal
        self.vertical = vertical
        self.quantizationTable = quantizationTable
    }

    var blocksPerMCU: Int { horizontal * vertical }
}

/// A component's decoded samples: `stride` bytes per row, `rows` rows (a whole number of MCUs).
final class JPEGPlane {
    let base: UnsafeMutablePointer<UInt8>
    let stride: Int
    let rows: Int

    init(stride: Int, rows: Int) {
        self.stride = stride
        self.rows = rows
        base = .allocate(capacity: stride * rows)
        base.initialize(repeating: 0, count: stride * rows)
    }

    deinit { base.deallocate() }

    /// The sample at column `x`, row `y` (callers stay inside the plane).
    @inline(__always) subscript(x: Int, y: Int) -> UInt8 { base[y * stride + x] }
}

/// The frame header with the geometry every scan shares.
struct JPEGFrame {
    let width: Int
    let height: Int
    var components: [JPEGComponent]
    let maximumHorizontal: Int
    let maximumVertical: Int
    let mcusPerLine: Int
    let mcuLines: Int

    init(width: Int, height: Int, components: [JPEGComponent], context: DecodingContext) throws {
        self.width = width
        self.height = height
        maximumHorizontal = components.map(\.horizontal).max()!
        maximumVertical = components.map(\.vertical).max()!
        mcusPerLine = (width + 8 * maximumHorizontal - 1) / (8 * maximumHorizontal)
        mcuLines = (height + 8 * maximumVertical - 1) / (8 * maximumVertical)
        self.components = components
        for index in self.components.indices {
            let component = self.components[index]
            guard maximumHorizontal % component.horizontal == 0, maximumVertical % component.vertical == 0 else {
                throw context.unsupported("fractional sampling (component \(component.id) has \(component.horizontal)x"
                                          + "\(component.vertical) of \(maximumHorizontal)x\(maximumVertical))")
            }
            self.components[index].width = (width * component.horizontal + maximumHorizontal - 1) / maximumHorizontal
            self.components[index].height = (height * component.vertical + maximumVertical - 1) / maximumVertical
            self.components[index].plane = JPEGPlane(stride: mcusPerLine * component.horizontal * 8,
                                                     rows: mcuLines * component.vertical * 8)
        }
    }
}

/// A component taking part in a scan, with the tables it uses.
///
/// A class so that using it per block costs one reference count, not one per table array.
final class JPEGScanMember {
    let component: Int
    let dcTable: JPEGHuffmanTable
    let acTable: JPEGHuffmanTable
    let quantization: [Float]

    init(component: Int, dcTable: JPEGHuffmanTable, acTable: JPEGHuffmanTable, quantization: [Float]) {
        self.component = component
        self.dcTable = dcTable
        self.acTable = acTable
        self.quantization = quantization
    }
}

/// Decodes the entropy-coded data of one sequential scan.
struct JPEGScanDecoder {
    let data: UnsafeBufferPointer<UInt8>
    let context: DecodingContext
    let restartInterval: Int

    /// Where coefficient k of the zig-zag sequence goes in the natural row-major block.
    private static let naturalOrder: [Int] = [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ]

    /// Decodes the scan whose data starts at `start`; returns the offset of the next marker.
    mutating func decode(_ members: [JPEGScanMember], frame: inout JPEGFrame, start: Int) throws -> Int {
        var reader = JPEGBitReader(data, start: start)
        var predictors = [Int](repeating: 0, count: members.count)
        // Blocks of each MCU as (member, block column offset, block row offset).
        let interleaved = members.count > 1
        var layout: [(member: Int, dx: Int, dy: Int)] = []
        for (index, member) in members.enumerated() {
            let component = frame.components[member.component]
            let (columns, rows) = interleaved ? (component.horizontal, component.vertical) : (1, 1)
            for dy in 0..<rows { for dx in 0..<columns { layout.append((index, dx, dy)) } }
        }
        let single = frame.components[members[0].component]
        let (mcusPerLine, mcuLines) = interleaved
            ? (frame.mcusPerLine, frame.mcuLines)
            : ((single.width + 7) / 8, (single.height + 7) / 8)
        let totalMCUs = mcusPerLine * mcuLines
        let planes = members.map { frame.components[$0.component].plane! }
        let blockSizes = members.map { interleaved ? (frame.components[$0.component].horizontal,
                                                      frame.components[$0.component].vertical) : (1, 1) }
        var coefficients = [Float](repeating: 0, count: 64)
        var nextRestart = 0
        for mcu in 0..<totalMCUs {
            if restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0 {
                try restart(&reader, expected: nextRestart, mcu: mcu, total: totalMCUs)
                nextRestart = (nextRestart + 1) & 7
                for index in predictors.indices { predictors[index] = 0 }
            }
            let mcuColumn = mcu % mcusPerLine, mcuRow = mcu / mcusPerLine
            for block in layout {
                try decodeBlock(&reader, member: members[block.member], predictor: &predictors[block.member],
                                into: &coefficients)
                if reader.isOverrun { throw overrunError(reader, mcu: mcu, total: totalMCUs) }
                let plane = planes[block.member]
                let blockColumn = mcuColumn * blockSizes[block.member].0 + block.dx
                let blockRow = mcuRow * blockSizes[block.member].1 + block.dy
                coefficients.withUnsafeBufferPointer { coefficients in
                    JPEGIDCT.transform(coefficients.baseAddress!,
                                       into: plane.base + blockRow * 8 * plane.stride + blockColumn * 8,
                                       stride: plane.stride)
                }
            }
        }
        for member in members { frame.components[member.component].wasScanned = true }
        return try endOfScan(&reader, total: totalMCUs)
    }

    /// Decodes one block's DC difference and AC run/size codes into dequantised coefficients.
    @inline(__always)
    private func decodeBlock(_ reader: inout JPEGBitReader, member: JPEGScanMember, predictor: inout Int,
                             into coefficients: inout [Float]) throws {
        try coefficients.withUnsafeMutableBufferPointer { coefficients in
            try member.quantization.withUnsafeBufferPointer { quantization in
                try Self.naturalOrder.withUnsafeBufferPointer { natural in
                    for index in 0..<64 { coefficients[index] = 0 }
                    reader.refill()
                    let category = try member.dcTable.decode(&reader, context: context)
                    guard category <= 11 else {
                        throw context.malformed("DC difference category \(category), at most 11 for 8-bit samples",
                                                at: reader.approximateOffset)
                    }
                    predictor += reader.receiveExtended(category)
                    coefficients[0] = Float(predictor) * quantization[0]
                    var k = 1
                    while k < 64 {
                        reader.refill()
                        let symbol = try member.acTable.decode(&reader, context: context)
                        let run = symbol >> 4, size = symbol & 15
                        if size == 0 {
                            if run != 15 { break }  // end of block
                            k += 16
                            continue
                        }
                        k += run
                        guard k < 64, size <= 10 else {
                            throw context.malformed("AC coefficient \(k) of size \(size); a block has 63 AC "
                                                    + "coefficients of at most 10 bits", at: reader.approximateOffset)
                        }
                        coefficients[natural[k]] = Float(reader.receiveExtended(size)) * quantization[k]
                        k += 1
                    }
                    guard k <= 64 else {
                        throw context.malformed("zero run passes the end of the block", at: reader.approximateOffset)
                    }
                }
            }
        }
    }

    /// At a restart boundary: the data must reach marker RSTn with fewer than 8 bits left.
    private func restart(_ reader: inout JPEGBitReader, expected: Int, mcu: Int, total: Int) throws {
        reader.refill()
        guard reader.reachedMarker, reader.realBitsLeft < 8 else {
            throw context.malformed("expected restart marker RST\(expected) before MCU \(mcu) of \(total), found more "
                                    + "entropy-coded data", at: reader.approximateOffset)
        }
        guard let code = reader.markerCode, code == 0xD0 + UInt8(expected) else {
            let found = reader.markerCode.map { "marker ff \(hexDescription([$0]))" } ?? "the end of the file"
            throw context.malformed("expected restart marker RST\(expected) before MCU \(mcu) of \(total), found \(found)",
                                    at: reader.position)
        }
        reader.skipMarker()
    }

    /// After the last MCU: the data must reach a marker with fewer than 8 bits left.
    private func endOfScan(_ reader: inout JPEGBitReader, total: Int) throws -> Int {
        reader.refill()
        guard reader.reachedMarker, reader.realBitsLeft < 8 else {
            throw context.malformed("entropy-coded data continues after the last of \(total) MCUs",
                                    at: reader.approximateOffset)
        }
        return reader.position
    }

    private func overrunError(_ reader: JPEGBitReader, mcu: Int, total: Int) -> DatasetError {
        if let code = reader.markerCode {
            return context.malformed("marker ff \(hexDescription([code])) inside the entropy-coded data of MCU \(mcu) "
                                     + "of \(total) (the scan is corrupt or truncated)", at: reader.position)
        }
        return context.malformed("file ends inside the entropy-coded data of MCU \(mcu) of \(total)",
                                 at: reader.position)
    }
}
