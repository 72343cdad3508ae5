// Sample plots: a batch of [N, C, H, W] images in [0, 1] laid out as one padded grid image,
// the way torchvision's make_grid and save_image do it, or enlarged with gray gaps for figures.

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

    /// Lays out a `[batch, channels, height, width]` tensor of images in [0, 1] as a grid
    /// to look at: each image enlarged by nearest neighbour to at least
    /// `minimumImageSide` pixels, with gaps of `gap` pixels of `gapValue` between and
    /// around the images.
    ///
    /// Each image is enlarged by the integer factor `k = max(1, ceil(minimumImageSide /
    /// min(height, width)))`, every source pixel becoming a `k x k` block (a 32-pixel image
    /// becomes 128 at the default), so the pixels stay sharp. The layout is then that of
    /// ``grid(of:columns:padding:padValue:)`` with `padding = gap`: with `r` rows and `c`
    /// columns the grid is `c * (k * width + gap) + gap` pixels wide and
    /// `r * (k * height + gap) + gap` high, and cells without an image have the gap colour.
    /// The default gap, mid-gray (0.5), is distinct from both the black background of MSDS
    /// images and a white page.
    ///
    /// - Parameters:
    ///   - images: `[batch, channels, height, width]`, channels 1, 3 or 4.
    ///   - columns: images per grid row; by default `ceil(sqrt(batch))`, a square grid.
    ///   - minimumImageSide: the smallest side an image may be shown at, in pixels.
    ///   - gap: pixels between images and around the grid.
    ///   - gapValue: the value of the gap pixels, in [0, 1].
    /// - Returns: the grid as an 8-bit image to pass to ``encode(_:compression:)``.
    public static func figureGrid(
        of images: Tensor<Float>, columns: Int? = nil, minimumImageSide: Int = 128, gap: Int = 4,
        gapValue: Float = 0.5
    ) -> Image {
        precondition(images.rank == 4, "a figure grid needs a [batch, channels, height, width] tensor, got shape \(images.shape)")
        precondition(minimumImageSide >= 1, "minimumImageSide must be positive, got \(minimumImageSide)")
        let shape = images.shape
        let factor = upscaleFactor(height: shape[2], width: shape[3], minimumSide: minimumImageSide)
        let enlarged = enlargedByNearestNeighbour(images.scalars, count: shape[0] * shape[1],
                                                  height: shape[2], width: shape[3], factor: factor)
        return grid(of: enlarged, count: shape[0], channels: shape[1], height: shape[2] * factor,
                    width: shape[3] * factor, columns: columns, padding: gap, padValue: gapValue)
    }

    /// Lays out rows of images as a figure grid, one tensor per grid row (for strips such
    /// as one temperature per row); see ``figureGrid(of:columns:minimumImageSide:gap:gapValue:)``.
    ///
    /// Every row is `[count, channels, height, width]` with the same channels, height and
    /// width; the grid has as many columns as the longest row, and shorter rows end in
    /// cells of the gap colour.
    public static func figureGrid(
        rows: [Tensor<Float>], minimumImageSide: Int = 128, gap: Int = 4, gapValue: Float = 0.5
    ) -> Image {
        precondition(!rows.isEmpty, "a figure grid needs at least one row")
        let imageShape = Array(rows[0].shape.dropFirst())
        for row in rows {
            precondition(row.rank == 4 && Array(row.shape.dropFirst()) == imageShape && row.shape[0] > 0,
                         "every row must be a non-empty [count, \(imageShape.map(String.init).joined(separator: ", "))] tensor, got shape \(row.shape)")
        }
        let columns = rows.map { $0.shape[0] }.max()!
        let filler = Tensor<Float>(repeating: gapValue, shape: [1] + imageShape)
        let padded = rows.map { row in
            row.shape[0] == columns ? row
                : Tensor.concatenate([row] + Array(repeating: filler, count: columns - row.shape[0]), axis: 0)
        }
        return figureGrid(of: Tensor.concatenate(padded, axis: 0), columns: columns,
                          minimumImageSide: minimumImageSide, gap: gap, gapValue: gapValue)
    }

    /// The smallest whole factor that makes both sides of a `height x width` image at
    /// least `minimumSide`, and at least 1 (images are never shrunk).
    public static func upscaleFactor(height: Int, width: Int, minimumSide: Int) -> Int {
        let shorter = min(height, width)
        precondition(shorter > 0, "an image needs positive sides, got \(height)x\(width)")
        return max(1, (minimumSide + shorter - 1) / shorter)
    }

    /// `count` planes of `height x width` values, each pixel repeated into a
    /// `factor x factor` block.
    static func enlargedByNearestNeighbour(_ planes: [Float], count: Int, height: Int, width: Int, factor: Int) -> [Float] {
        guard factor > 1 else { return planes }
        let outWidth = width * factor
        var result = [Float](repeating: 0, count: count * height * factor * outWidth)
        for plane in 0..<count {
            for y in 0..<(height * factor) {
                let source = (plane * height + y / factor) * width
                let target = (plane * height * factor + y) * outWidth
                for x in 0..<outWidth { result[target + x] = planes[source + x / factor] }
            }
        }
        return result
    }

    /// A value in [0, 1] as a byte, rounding half up; NaN becomes 0.
    @inline(__always)
    static func byte(_ value: Float) -> UInt8 {
        let scaled = value * 255 + 0.5
        guard scaled > 0 else { return 0 }  // also catches NaN
        return scaled >= 255 ? 255 : UInt8(scaled)
    }
}
