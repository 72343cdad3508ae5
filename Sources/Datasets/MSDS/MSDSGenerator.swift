// The MSDS1 and MSDS2 scenes (multi-scale synthetic datasets, RG-Flow paper §4): the random
// draws of each image from its own seeded stream, and rendering the 16 ellipses onto black.

import Tensor

/// Which multi-scale synthetic dataset.
public enum MSDSVariant: String, Sendable, Hashable, CaseIterable, Codable {
    /// One colour per image, varied slightly per ellipse; each ellipse at its own angle.
    ///
    /// Image colour `c ~ 32 + U{0...191}` per channel, ellipse colour `c + U{-32...32}` per
    /// channel, angle `U[0, 180)` degrees independently per ellipse.
    case msds1
    /// Independent colours; all ellipses of an image at similar angles.
    ///
    /// Ellipse colour `U{0...255}` per channel, image angle `θ ~ U[0, 180)`, ellipse angle
    /// `θ + U[0, 45)` degrees.
    case msds2
}

/// The label of one ellipse of an MSDS image.
public struct MSDSEllipse: Sendable, Hashable, Codable {
    /// The centre's x in image coordinates where pixel column `k` spans `[k, k + 1)` (so
    /// the centre of pixel `k` is at `k + 0.5`). It is the tile's left edge plus 4, an integer.
    public var x: Double
    /// The centre's y, with the same convention as `x` (rows counted from the top).
    public var y: Double
    /// The rotation in degrees, counter-clockwise as displayed, of the major axis from the
    /// horizontal: in [0, 180) for msds1, in [0, 225) for msds2.
    public var angle: Double
    /// The ellipse colour's red component, 0...255.
    public var red: UInt8
    /// The ellipse colour's green component, 0...255.
    public var green: UInt8
    /// The ellipse colour's blue component, 0...255.
    public var blue: UInt8

    /// An ellipse label.
    public init(x: Double, y: Double, angle: Double, red: UInt8, green: UInt8, blue: UInt8) {
        self.x = x
        self.y = y
        self.angle = angle
        self.red = red
        self.green = green
        self.blue = blue
    }
}

/// One rendered MSDS image and its labels.
public struct MSDSImage: Sendable, Hashable {
    /// `[height, width, 3]` interleaved 8-bit RGB samples (32 x 32 x 3 bytes).
    public var pixels: [UInt8]
    /// The 16 ellipses in grid reading order: index `4 * row + column`.
    public var ellipses: [MSDSEllipse]

    /// The image as `[3, 32, 32]` values `byte / 255` in [0, 1], the dataset layout.
    public var planarValues: [Float] {
        let side = MSDSGenerator.sideLength
        let planeSize = side * side
        var values = [Float](repeating: 0, count: 3 * planeSize)
        for pixel in 0..<planeSize {
            for channel in 0..<3 {
                values[channel * planeSize + pixel] = Float(pixels[pixel * 3 + channel]) / 255
            }
        }
        return values
    }
}

/// Generates MSDS1 or MSDS2 images: 32x32 RGB on black with a 4x4 grid of small ellipses.
///
/// Each ellipse is the anti-aliased ellipse of the box (1,3)-(7,5) in an 8x8 tile, rotated
/// by its angle with bicubic resampling (PIL's `Image.rotate`, cubic kernel a = -1; see
/// `MSDSEllipseTile`), and composited ("over", with its alpha) onto the
/// image with the tile's top-left at `(8 column + U{-1,0,1}, 8 row + U{-1,0,1})`, clipped to
/// the image; tiles are drawn in reading order. The image is quantised to bytes at the end.
///
/// Every image has its own random stream, derived from (variant, seed, split, index), so any
/// image can be generated alone, in any order, on any thread. Each image draws, in order:
/// for msds1 the image colour (r, g, b), then per ellipse the offsets dx, dy, the colour
/// offsets (r, g, b) and the angle; for msds2 the image angle θ, then per ellipse dx, dy, the
/// colour (r, g, b) and the angle offset. Integer and real draws are defined in this file
/// rather than by the standard library, so the data does not change with the toolchain.
public struct MSDSGenerator: Sendable, Hashable {
    /// The side of the images in pixels.
    public static let sideLength = 32
    /// Ellipses per row and per column.
    public static let gridSize = 4
    /// The side of an ellipse tile and the spacing of the grid.
    public static let tileSide = 8

    /// Which dataset.
    public var variant: MSDSVariant
    /// The seed all images derive their streams from.
    public var seed: UInt64

    /// A generator of `variant` images from `seed`.
    public init(variant: MSDSVariant, seed: UInt64 = 0) {
        self.variant = variant
        self.seed = seed
    }

    /// The labels of image `index` of `split`, without rendering it.
    public func ellipses(split: DatasetSplit, index: Int) -> [MSDSEllipse] {
        var random = MSDSRandom(generator: TensorRandomGenerator(seed: imageSeed(split: split, index: index)))
        let tile = Double(MSDSGenerator.tileSide)
        let center = tile / 2
        var ellipses: [MSDSEllipse] = []
        ellipses.reserveCapacity(MSDSGenerator.gridSize * MSDSGenerator.gridSize)
        switch variant {
        case .msds1:
            let base = (0..<3).map { _ in 32 + random.integer(in: 0...191) }
            for row in 0..<MSDSGenerator.gridSize {
                for column in 0..<MSDSGenerator.gridSize {
                    let dx = random.integer(in: -1...1)
                    let dy = random.integer(in: -1...1)
                    // c + U{-32...32} stays in 0...255 for c in 32...223; clamping only
                    // documents the intent.
                    let color = base.map { UInt8(clamping: $0 + random.integer(in: -32...32)) }
                    let angle = random.unit() * 180
                    ellipses.append(MSDSEllipse(
                        x: Double(column) * tile + Double(dx) + center, y: Double(row) * tile + Double(dy) + center,
                        angle: angle, red: color[0], green: color[1], blue: color[2]))
                }
            }
        case .msds2:
            let imageAngle = random.unit() * 180
            for row in 0..<MSDSGenerator.gridSize {
                for column in 0..<MSDSGenerator.gridSize {
                    let dx = random.integer(in: -1...1)
                    let dy = random.integer(in: -1...1)
                    let color = (0..<3).map { _ in UInt8(random.integer(in: 0...255)) }
                    let angle = imageAngle + random.unit() * 45
                    ellipses.append(MSDSEllipse(
                        x: Double(column) * tile + Double(dx) + center, y: Double(row) * tile + Double(dy) + center,
                        angle: angle, red: color[0], green: color[1], blue: color[2]))
                }
            }
        }
        return ellipses
    }

    /// Image `index` of `split`, rendered, with its labels.
    public func image(split: DatasetSplit, index: Int) -> MSDSImage {
        let ellipses = ellipses(split: split, index: index)
        return MSDSImage(pixels: MSDSGenerator.render(ellipses), ellipses: ellipses)
    }

    /// Renders `ellipses` onto a black 32x32 image, in order, as `[32, 32, 3]` bytes.
    ///
    /// Each ellipse's tile has its top-left corner at `(x - 4, y - 4)` rounded to whole
    /// pixels; the colour is composited as `out = colour·α + out·(1 - α)` and the result
    /// rounded to the nearest byte.
    public static func render(_ ellipses: [MSDSEllipse]) -> [UInt8] {
        let side = sideLength
        let tile = tileSide
        var canvas = [Double](repeating: 0, count: side * side * 3)
        for ellipse in ellipses {
            let alpha = MSDSEllipseTile.alpha(rotatedBy: ellipse.angle)
            let left = Int((ellipse.x - Double(tile) / 2).rounded())
            let top = Int((ellipse.y - Double(tile) / 2).rounded())
            let color = [Double(ellipse.red), Double(ellipse.green), Double(ellipse.blue)]
            for tileY in 0..<tile where (0..<side).contains(top + tileY) {
                for tileX in 0..<tile where (0..<side).contains(left + tileX) {
                    let coverage = alpha[tileY * tile + tileX]
                    guard coverage > 0 else { continue }
                    let target = ((top + tileY) * side + left + tileX) * 3
                    for channel in 0..<3 {
                        canvas[target + channel] = color[channel] * coverage + canvas[target + channel] * (1 - coverage)
                    }
                }
            }
        }
        return canvas.map { UInt8(min(max($0.rounded(), 0), 255)) }
    }

    /// The seed of one image's stream: SplitMix64's finaliser applied to each of (variant,
    /// seed, split, index) in turn, so nearby indices or seeds give unrelated streams.
    func imageSeed(split: DatasetSplit, index: Int) -> UInt64 {
        SplitMix64.combine(seed ^ (variant == .msds1 ? 0x6D73_6473_3100_0000 : 0x6D73_6473_3200_0000),
                           split == .train ? 0x7472_6169_6E00_0000 : 0x7465_7374_0000_0000, UInt64(UInt(bitPattern: index)))
    }
}

/// Uniform integers and reals from a ``TensorRandomGenerator``, defined exactly here.
struct MSDSRandom {
    var generator: TensorRandomGenerator

    /// A uniform integer in `range` by rejection (exactly uniform): the top bits of a 64-bit
    /// draw, the smallest power of two covering the range, retried when too large.
    mutating func integer(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        let bits = 64 - (span - 1).leadingZeroBitCount
        while true {
            let candidate = bits == 0 ? 0 : generator.next() >> UInt64(64 - bits)
            if candidate < span { return range.lowerBound + Int(candidate) }
        }
    }

    /// A uniform real in [0, 1) with 53 random bits.
    mutating func unit() -> Double {
        Double(generator.next() >> 11) * 0x1p-53
    }
}
