// The pixels a PNG or JPEG decoder produces, and their conversion to the [C, H, W] floats
// in [0, 1] that datasets hand to training.

/// A decoded raster image: interleaved samples in `[height, width, channels]` order.
///
/// Channel layouts: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. Samples are integers in
/// `0 ... (1 << bitDepth) - 1`; palette images arrive expanded to RGB (RGBA when the file
/// gives palette transparency), and 1-, 2- and 4-bit gray is scaled to 8 bits by bit
/// replication (0...15 becomes 0, 17, ..., 255), as the PNG specification recommends.
public struct DecodedImage: Sendable, Equatable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Samples per pixel: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
    public let channels: Int
    /// Bits per sample: 8 or 16.
    public let bitDepth: Int
    /// `height * width * channels` samples, row by row, pixel by pixel.
    public var samples: [UInt16]

    /// An image from its parts; `samples.count` must equal `height * width * channels`.
    public init(width: Int, height: Int, channels: Int, bitDepth: Int, samples: [UInt16]) {
        precondition(samples.count == width * height * channels,
                     "DecodedImage: \(samples.count) samples for \(height)x\(width)x\(channels)")
        precondition((1...4).contains(channels) && (bitDepth == 8 || bitDepth == 16),
                     "DecodedImage: channels \(channels) (expected 1...4), bitDepth \(bitDepth) (expected 8 or 16)")
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.samples = samples
    }

    /// Whether the image has colour (RGB or RGBA) rather than gray levels.
    public var isColor: Bool { channels >= 3 }

    /// Converts the pixel whose first sample is `source[first]` to `outputChannels` floats in
    /// [0, 1], written to `target[pixel]`, `target[pixel + plane]`, ... (the channel rules of
    /// ``planes(outputChannels:)``). Shared by the whole-image and the cropping conversions.
    @inline(__always)
    static func convertPixel(_ source: UnsafeBufferPointer<UInt16>, first: Int, channels: Int, maximum: Float,
                             into target: UnsafeMutableBufferPointer<Float>, at pixel: Int, plane: Int,
                             outputChannels: Int) {
        if channels >= 3 {
            let red = Float(source[first]) / maximum
            let green = Float(source[first + 1]) / maximum
            let blue = Float(source[first + 2]) / maximum
            if outputChannels == 3 {
                target[pixel] = red
                target[plane + pixel] = green
                target[2 * plane + pixel] = blue
            } else {
                target[pixel] = 0.299 * red + 0.587 * green + 0.114 * blue
            }
        } else {
            let gray = Float(source[first]) / maximum
            for channel in 0..<outputChannels { target[channel * plane + pixel] = gray }
        }
    }

    /// The image as `[outputChannels, height, width]` floats in [0, 1].
    ///
    /// Alpha is dropped (as PIL's `convert("RGB")` does, which torchvision's image folders
    /// use); gray is repeated into three channels when `outputChannels` is 3; colour becomes
    /// gray with the ITU-R 601 luma weights 0.299, 0.587, 0.114 when `outputChannels` is 1.
    ///
    /// - Parameter outputChannels: 1 or 3.
    public func planes(outputChannels: Int) -> [Float] {
        precondition(outputChannels == 1 || outputChannels == 3, "planes: outputChannels must be 1 or 3")
        let maximum = Float((1 << bitDepth) - 1)  // divide, not multiply by 1/max: exact x/255
        let planeSize = width * height
        var result = [Float](repeating: 0, count: outputChannels * planeSize)
        samples.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for pixel in 0..<planeSize {
                    DecodedImage.convertPixel(source, first: pixel * channels, channels: channels, maximum: maximum,
                                              into: target, at: pixel, plane: planeSize, outputChannels: outputChannels)
                }
            }
        }
        return result
    }
}
