// PNG pixel data: undoing the five row filters, walking the Adam7 passes, and expanding
// packed, 16-bit and palette samples into a DecodedImage.

/// Turns the decompressed, filtered scanlines of one PNG into samples.
struct PNGPixelDecoder {
    let header: PNGHeader
    let palette: [UInt8]
    let paletteAlpha: [UInt8]
    let context: DecodingContext

    /// Output channels: palette images become RGB, or RGBA when they carry transparency.
    var outputChannels: Int {
        header.colorType == 3 ? (paletteAlpha.isEmpty ? 3 : 4) : header.storedChannels
    }

    func decode(_ filtered: [UInt8]) throws -> DecodedImage {
        let channels = outputChannels
        let outputDepth = header.bitDepth == 16 ? 16 : 8
        var samples = [UInt16](repeating: 0, count: header.width * header.height * channels)
        // Bytes between a byte and the one it is predicted from: one pixel, at least one byte.
        let filterStride = max(1, header.storedChannels * header.bitDepth / 8)
        var offset = 0
        for (passNumber, pass) in header.passes.enumerated() {
            let (columns, rows) = header.passSize(pass)
            if columns == 0 || rows == 0 { continue }
            let rowBytes = header.rowByteCount(columns: columns)
            var previous = [UInt8](repeating: 0, count: rowBytes)
            var current = [UInt8](repeating: 0, count: rowBytes)
            for row in 0..<rows {
                let filter = filtered[offset]
                guard filter <= 4 else {
                    throw context.malformed("row \(row) of pass \(passNumber) has filter type \(filter), expected 0 to 4")
                }
                current.replaceSubrange(0..<rowBytes, with: filtered[(offset + 1)..<(offset + 1 + rowBytes)])
                unfilter(&current, previous: previous, filter: filter, stride: filterStride)
                try expand(current, columns: columns, into: &samples, channels: channels,
                           y: pass.y + row * pass.dy, x0: pass.x, dx: pass.dx)
                swap(&previous, &current)
                offset += 1 + rowBytes
            }
        }
        return DecodedImage(width: header.width, height: header.height, channels: channels,
                            bitDepth: outputDepth, samples: samples)
    }

    /// Undoes filter `filter` (0...4) on `row` in place, given the unfiltered previous row
    /// (zeros for the first row of a pass).
    private func unfilter(_ row: inout [UInt8], previous: [UInt8], filter: UInt8, stride: Int) {
        let count = row.count
        row.withUnsafeMutableBufferPointer { row in
            previous.withUnsafeBufferPointer { up in
                switch filter {
                case 1:  // Sub
                    for index in stride..<max(stride, count) { row[index] &+= row[index - stride] }
                case 2:  // Up
                    for index in 0..<count { row[index] &+= up[index] }
                case 3:  // Average (computed in 9 bits)
                    for index in 0..<count {
                        let left = index >= stride ? Int(row[index - stride]) : 0
                        row[index] &+= UInt8((left + Int(up[index])) >> 1)
                    }
                case 4:  // Paeth
                    for index in 0..<count {
                        let left = index >= stride ? Int(row[index - stride]) : 0
                        let upLeft = index >= stride ? Int(up[index - stride]) : 0
                        row[index] &+= UInt8(Self.paeth(left, Int(up[index]), upLeft))
                    }
                default:  // 0, None
                    break
                }
            }
        }
    }

    /// The Paeth predictor: whichever of left, up, up-left is closest to left + up - upLeft.
    private static func paeth(_ left: Int, _ up: Int, _ upLeft: Int) -> Int {
        let estimate = left + up - upLeft
        let distanceLeft = abs(estimate - left), distanceUp = abs(estimate - up), distanceUpLeft = abs(estimate - upLeft)
        if distanceLeft <= distanceUp && distanceLeft <= distanceUpLeft { return left }
        return distanceUp <= distanceUpLeft ? up : upLeft
    }

    /// Writes one unfiltered row of a pass into the image at row `y`, columns x0, x0 + dx, ...
    private func expand(_ row: [UInt8], columns: Int, into samples: inout [UInt16], channels: Int,
                        y: Int, x0: Int, dx: Int) throws {
        let depth = header.bitDepth
        let stored = header.storedChannels
        let rowStart = y * header.width
        let paletteCount = palette.count / 3
        try samples.withUnsafeMutableBufferPointer { samples in
            try row.withUnsafeBufferPointer { row in
                for column in 0..<columns {
                    let target = (rowStart + x0 + column * dx) * channels
                    if depth == 8 && header.colorType != 3 {
                        for channel in 0..<stored { samples[target + channel] = UInt16(row[column * stored + channel]) }
                    } else if depth == 16 {
                        for channel in 0..<stored {
                            let source = (column * stored + channel) * 2
                            samples[target + channel] = UInt16(row[source]) << 8 | UInt16(row[source + 1])
                        }
                    } else {
                        // Packed 1/2/4/8-bit gray or palette indices, most significant bits first.
                        let bitOffset = column * depth
                        let shift = 8 - depth - bitOffset % 8
                        let value = Int(row[bitOffset / 8] >> UInt8(shift)) & ((1 << depth) - 1)
                        if header.colorType == 3 {
                            guard value < paletteCount else {
                                throw context.malformed("pixel (\(x0 + column * dx), \(y)) uses palette index \(value), "
                                                        + "but the palette has \(paletteCount) entries", at: nil)
                            }
                            for channel in 0..<3 { samples[target + channel] = UInt16(palette[value * 3 + channel]) }
                            if channels == 4 {
                                samples[target + 3] = value < paletteAlpha.count ? UInt16(paletteAlpha[value]) : 255
                            }
                        } else {
                            samples[target] = UInt16(value * (255 / ((1 << depth) - 1)))
                        }
                    }
                }
            }
        }
    }
}
