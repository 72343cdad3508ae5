// The image transforms of the datasets: centre crop, antialiased resize by area averaging,
// and the seeded random horizontal flip. Images are [C, H, W] floats.

import Tensor

/// Centre crop, area-averaging resize and horizontal flip on `[channels, height, width]`
/// float planes.
public enum ImageTransforms {
    /// The top-left corner of a centred `size` window in an extent of `extent` pixels.
    ///
    /// Matches torchvision's `CenterCrop`: `round((extent - size) / 2)` with Python's
    /// round-half-to-even when the window fits; when it does not, the image is padded with
    /// zeros by `(size - extent) / 2` (rounded down) before the side, so the offset is negative.
    public static func centerCropOffset(extent: Int, size: Int) -> Int {
        if size > extent { return -((size - extent) / 2) }
        return Int((Double(extent - size) / 2).rounded(.toNearestOrEven))
    }

    /// The centred `size` x `size` window of `image` as `[outputChannels, size, size]` floats
    /// in [0, 1] (zeros where the window extends past a smaller image).
    ///
    /// Converts only the window, so cropping a large image costs little. Channel conversion
    /// follows ``DecodedImage/planes(outputChannels:)``: alpha dropped, gray repeated.
    public static func centerCrop(_ image: DecodedImage, size: Int, outputChannels: Int) -> [Float] {
        precondition(size > 0 && (outputChannels == 1 || outputChannels == 3), "centerCrop: size \(size), channels \(outputChannels)")
        let top = centerCropOffset(extent: image.height, size: size)
        let left = centerCropOffset(extent: image.width, size: size)
        let maximum = Float((1 << image.bitDepth) - 1)  // divide: exactly x/255 like the other datasets
        let plane = size * size
        var result = [Float](repeating: 0, count: outputChannels * plane)
        let channels = image.channels
        image.samples.withUnsafeBufferPointer { samples in
            result.withUnsafeMutableBufferPointer { result in
                for row in 0..<size {
                    let y = top + row
                    if y < 0 || y >= image.height { continue }
                    for column in 0..<size {
                        let x = left + column
                        if x < 0 || x >= image.width { continue }
                        DecodedImage.convertPixel(samples, first: (y * image.width + x) * channels, channels: channels,
                                                  maximum: maximum, into: result, at: row * size + column, plane: plane,
                                                  outputChannels: outputChannels)
                    }
                }
            }
        }
        return result
    }

    /// Resizes `[channels, height, width]` planes to `[channels, outputHeight, outputWidth]`
    /// by area averaging.
    ///
    /// Output pixel i along an axis covers the input interval [i·s, (i+1)·s) with
    /// s = input / output; its value is the mean of the input over that interval, each input
    /// pixel weighted by the length of its overlap (the "box" or area filter, as OpenCV's
    /// INTER_AREA and PIL's BOX filter for downscaling). This is an antialiasing filter: every
    /// input pixel contributes, so no detail aliases. Applied separably, rows then columns.
    public static func areaResize(_ planes: [Float], channels: Int, height: Int, width: Int,
                                  outputHeight: Int, outputWidth: Int) -> [Float] {
        precondition(planes.count == channels * height * width, "areaResize: \(planes.count) values for [\(channels), \(height), \(width)]")
        precondition(outputHeight > 0 && outputWidth > 0, "areaResize: output size must be positive")
        let horizontal = areaWeights(input: width, output: outputWidth)
        let vertical = areaWeights(input: height, output: outputHeight)
        var rowsResized = [Float](repeating: 0, count: channels * height * outputWidth)
        planes.withUnsafeBufferPointer { source in
            rowsResized.withUnsafeMutableBufferPointer { target in
                for row in 0..<(channels * height) {
                    for (column, taps) in horizontal.enumerated() {
                        var sum: Float = 0
                        for (index, weight) in taps { sum += source[row * width + index] * weight }
                        target[row * outputWidth + column] = sum
                    }
                }
            }
        }
        var result = [Float](repeating: 0, count: channels * outputHeight * outputWidth)
        rowsResized.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for channel in 0..<channels {
                    for (row, taps) in vertical.enumerated() {
                        let output = (channel * outputHeight + row) * outputWidth
                        for (index, weight) in taps {
                            let input = (channel * height + index) * outputWidth
                            for column in 0..<outputWidth { target[output + column] += source[input + column] * weight }
                        }
                    }
                }
            }
        }
        return result
    }

    /// For each output index, the input indices it overlaps and their normalised weights.
    static func areaWeights(input: Int, output: Int) -> [[(Int, Float)]] {
        let scale = Double(input) / Double(output)
        return (0..<output).map { index in
            let start = Double(index) * scale, end = Double(index + 1) * scale
            var taps: [(Int, Float)] = []
            var position = Int(start.rounded(.down))
            while Double(position) < end && position < input {
                let overlap = min(end, Double(position + 1)) - max(start, Double(position))
                if overlap > 1e-12 { taps.append((position, Float(overlap / scale))) }
                position += 1
            }
            return taps
        }
    }

    /// Mirrors `[channels, height, width]` planes left to right, in place.
    public static func flipHorizontally(_ planes: inout [Float], channels: Int, height: Int, width: Int) {
        precondition(planes.count == channels * height * width, "flipHorizontally: \(planes.count) values for [\(channels), \(height), \(width)]")
        planes.withUnsafeMutableBufferPointer { planes in
            for row in 0..<(channels * height) {
                var left = row * width, right = left + width - 1
                while left < right {
                    planes.swapAt(left, right)
                    left += 1
                    right -= 1
                }
            }
        }
    }

    /// Whether the random horizontal flip applies to the image with this augmentation seed:
    /// probability 1/2, from the first bit of a ``TensorRandomGenerator`` seeded with it.
    public static func flipDecision(augmentationSeed: UInt64) -> Bool {
        var generator = TensorRandomGenerator(seed: augmentationSeed)
        return generator.next() >> 63 == 1
    }

    /// Centre crop `crop`, area resize to `side` and, when `randomFlip` and the seed say so,
    /// a horizontal flip: the pipeline of celeba32 and chair600.
    public static func cropResizeFlip(_ image: DecodedImage, crop: Int, side: Int, outputChannels: Int,
                                      randomFlip: Bool, augmentationSeed: UInt64) -> [Float] {
        let cropped = centerCrop(image, size: crop, outputChannels: outputChannels)
        var resized = areaResize(cropped, channels: outputChannels, height: crop, width: crop,
                                 outputHeight: side, outputWidth: side)
        if randomFlip && flipDecision(augmentationSeed: augmentationSeed) {
            flipHorizontally(&resized, channels: outputChannels, height: side, width: side)
        }
        return resized
    }
}
