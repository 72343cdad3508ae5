// Sample plots: a batch of [N, C, H, W] images in [0, 1] laid out as one padded grid image,
// the way torchvision's make_grid and save_image do it.

import Tensor

extension PNGEncoder {
    /// Lays out `count` images side by side in a grid separated by `padding` pixels, like
    /// torchvision's `make_grid` followed by `save_image`.
    ///
    /// Image `k` goes to grid row `k / columns`, column `k % columns`; its top-left corner is
    /// at `(padding + column * (width + padding), padding + row * (height + padding))`, so
    /// the grid is `rows * (height + padding) + padding` pixels high and the same rule gives
    /// its width. Values map to bytes as `min(max(v * 255 + 0.5, 0), 255)` truncated (NaN
    /// gives 0), save_image's rounding.
    ///
    /// - Parameters:
    ///   - images: `count * channels * height * width` values in `[N, C, H, W]` order,
    ///     nominally in [0, 1] (values outside are clamped).
    ///   - channels: 1 (a gray PNG), 3 (RGB) or 4 (RGBA).
    ///   - columns: images per grid row; by default `ceil(sqrt(count))`, a square grid.
    ///   - padding: pixels between images and around the grid (torchvision uses 2).
    ///   - padValue: the value of the padding pixels, in [0, 1].
    /// - Returns: the grid as an 8-bit image to pass to ``encode(_:compression:)``.
    public static func grid(
        of images: [Float], count: Int, channels: Int, height: Int, width: Int,
        columns: Int? = nil, padding: Int = 2, padValue: Float = 0
    ) -> Image {
        precondition(count > 0 && height > 0 && width > 0, "a grid needs at least one non-empty image")
        guard let colorType = ColorType(channels: channels) else {
            preconditionFailure("a PNG grid needs 1, 3 or 4 channels, got \(channels)")
        }
        precondition(images.count == count * channels * height * width,
                     "expected \(count)x\(channels)x\(height)x\(width) = \(count * channels * height * width) values, got \(images.count)")
        precondition(padding >= 0, "padding must not be negative, got \(padding)")
        let columnCount = min(count, columns ?? Int((Double(count).squareRoot()).rounded(.up)))
        precondition(columnCount > 0, "columns must be positive")
        let rowCount = (count + columnCount - 1) / columnCount
        let gridWidth = columnCount * (width + padding) + padding
        let gridHeight = rowCount * (height + padding) + padding

        var pixels = [UInt8](repeating: byte(padValue), count: gridWidth * gridHeight * channels)
        let planeSize = height * width
        for imageIndex in 0..<count {
            let left = padding + (imageIndex % columnCount) * (width + padding)
            let top = padding + (imageIndex / columnCount) * (height + padding)
            let imageStart = imageIndex * channels * planeSize
            for y in 0..<height {
                for x in 0..<width {
                    let target = ((top + y) * gridWidth + left + x) * channels
                    for channel in 0..<channels {
                        pixels[target + channel] = byte(images[imageStart + channel * planeSize + y * width + x])
                    }
                }
            }
        }
        return Image(width: gridWidth, height: gridHeight, colorType: colorType, pixels: pixels)
    }

    /// Lays out a `[N, C, H, W]` tensor of images in [0, 1] as a grid; see
    /// ``grid(of:count:channels:height:width:columns:padding:padValue:)``.
    public static func grid(
        of images: Tensor<Float>, columns: Int? = nil, padding: Int = 2, padValue: Float = 0
    ) -> Image {
        precondition(images.rank == 4, "a grid needs a [N, C, H, W] tensor, got shape \(images.shape)")
        let shape = images.shape
        return grid(of: images.scalars, count: shape[0], channels: shape[1], height: shape[2], width: shape[3],
                    columns: columns, padding: padding, padValue: padValue)
    }

    /// A value in [0, 1] as a byte, rounding half up; NaN becomes 0.
    @inline(__always)
    static func byte(_ value: Float) -> UInt8 {
        let scaled = value * 255 + 0.5
        guard scaled > 0 else { return 0 }  // also catches NaN
        return scaled >= 255 ? 255 : UInt8(scaled)
    }
}
