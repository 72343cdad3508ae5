// From decoded JPEG component planes to pixels: chroma upsampling (libjpeg's default
// triangular filter for 2x1 and 2x2, replication otherwise) and JFIF YCbCr to RGB.

/// Assembles the final image from a fully scanned frame.
struct JPEGColorConverter {
    let frame: JPEGFrame
    let context: DecodingContext

    func image(componentsAreRGB: Bool) throws -> DecodedImage {
        let width = frame.width, height = frame.height
        if frame.components.count == 1 {
            let plane = frame.components[0].plane!
            var samples = [UInt16](repeating: 0, count: width * height)
            for y in 0..<height {
                for x in 0..<width { samples[y * width + x] = UInt16(plane[x, y]) }
            }
            return DecodedImage(width: width, height: height, channels: 1, bitDepth: 8, samples: samples)
        }
        let planes = frame.components.map(upsampled)
        var samples = [UInt16](repeating: 0, count: width * height * 3)
        samples.withUnsafeMutableBufferPointer { samples in
            planes[0].withUnsafeBufferPointer { first in
                planes[1].withUnsafeBufferPointer { second in
                    planes[2].withUnsafeBufferPointer { third in
                        for pixel in 0..<(width * height) {
                            let target = pixel * 3
                            if componentsAreRGB {
                                samples[target] = UInt16(first[pixel])
                                samples[target + 1] = UInt16(second[pixel])
                                samples[target + 2] = UInt16(third[pixel])
                            } else {
                                let (red, green, blue) = Self.rgb(luma: Int(first[pixel]), blueDifference: Int(second[pixel]),
                                                                  redDifference: Int(third[pixel]))
                                samples[target] = red
                                samples[target + 1] = green
                                samples[target + 2] = blue
                            }
                        }
                    }
                }
            }
        }
        return DecodedImage(width: width, height: height, channels: 3, bitDepth: 8, samples: samples)
    }

    /// JFIF's YCbCr to RGB: R = Y + 1.402 Cr', G = Y - 0.34414 Cb' - 0.71414 Cr',
    /// B = Y + 1.772 Cb' (primes: minus 128), in 16-bit fixed point rounded half up, as
    /// libjpeg computes it, then clamped to 0...255.
    @inline(__always)
    static func rgb(luma: Int, blueDifference: Int, redDifference: Int) -> (UInt16, UInt16, UInt16) {
        let blue = blueDifference - 128, red = redDifference - 128
        let half = 1 << 15
        let r = luma + ((91881 * red + half) >> 16)
        let g = luma + ((-22554 * blue - 46802 * red + half) >> 16)
        let b = luma + ((116130 * blue + half) >> 16)
        return (clamp(r), clamp(g), clamp(b))
    }

    @inline(__always)
    private static func clamp(_ value: Int) -> UInt16 { UInt16(min(255, max(0, value))) }

    /// The component at full resolution, `frame.width * frame.height` samples row by row.
    ///
    /// A 2x1 or 2x2 subsampled component (at least 3 samples wide) uses the triangular
    /// filter: each output sample is 3/4 of the nearer input sample and 1/4 of the next one
    /// in each subsampled direction, with the rounding biases libjpeg alternates (1 and 2
    /// for one direction, 8 and 7 for two); edges repeat the border sample. Other ratios
    /// repeat samples.
    private func upsampled(_ component: JPEGComponent) -> [UInt8] {
        let width = frame.width, height = frame.height
        let plane = component.plane!
        let source = plane.base, stride = plane.stride
        let ratioX = frame.maximumHorizontal / component.horizontal
        let ratioY = frame.maximumVertical / component.vertical
        let inputWidth = component.width, inputHeight = component.height
        var output = [UInt8](repeating: 0, count: width * height)
        let triangular = inputWidth > 2 && ratioX == 2 && (ratioY == 1 || ratioY == 2)
        output.withUnsafeMutableBufferPointer { output in
            let output = output.baseAddress!
            if ratioX == 1 && ratioY == 1 {
                for y in 0..<height { (output + y * width).update(from: source + y * stride, count: width) }
            } else if !triangular {
                for y in 0..<height {
                    let row = source + min(y / ratioY, inputHeight - 1) * stride
                    for x in 0..<width { output[y * width + x] = row[min(x / ratioX, inputWidth - 1)] }
                }
            } else {
                // Vertical step first: column sums of 3 * nearer row + farther row for ratioY 2
                // (weight 4 in total), or 4 * the row for ratioY 1, so both cases share the
                // horizontal step, whose weights 3 and 1 bring the total to 16.
                let (evenBias, oddBias) = ratioY == 2 ? (8, 7) : (4, 8)  // (x+1)/4 and (x+2)/4 on weight 4
                withUnsafeTemporaryAllocation(of: Int.self, capacity: inputWidth) { sums in
                    for y in 0..<height {
                        let row = y / ratioY
                        let nearer = source + row * stride
                        if ratioY == 2 {
                            let farther = source + (y % 2 == 0 ? max(row - 1, 0) : min(row + 1, inputHeight - 1)) * stride
                            for x in 0..<inputWidth { sums[x] = 3 * Int(nearer[x]) + Int(farther[x]) }
                        } else {
                            for x in 0..<inputWidth { sums[x] = 4 * Int(nearer[x]) }
                        }
                        let target = output + y * width
                        for x in 0..<inputWidth {
                            let center = 3 * sums[x]
                            target[2 * x] = UInt8((center + sums[max(x - 1, 0)] + evenBias) >> 4)
                            if 2 * x + 1 < width {
                                target[2 * x + 1] = UInt8((center + sums[min(x + 1, inputWidth - 1)] + oddBias) >> 4)
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
