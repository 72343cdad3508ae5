// The alpha of one MSDS ellipse in its 8x8 tile: the anti-aliased ellipse inscribed in the
// box (1,3)-(7,5), then rotated about the tile centre as PIL's Image.rotate(resample=BICUBIC).

import Foundation

/// The 8x8 alpha tile of one ellipse, before and after rotation.
///
/// Coordinates are continuous with the origin at the tile's top-left corner, x to the right,
/// y down, and pixel `(column, row)` covering `[column, column + 1) x [row, row + 1)` (PIL's
/// convention). The ellipse is the one inscribed in the box from `(1, 3)` to `(7, 5)`: centre
/// `(4, 4)`, semi-axes 3 along x and 1 along y, area `3π ≈ 9.42` pixels. Alpha is the
/// fraction of each pixel the ellipse covers, estimated from a 64x64 grid of sample points
/// per pixel (error at most 3/64 per pixel: one sample per column plus the Riemann sum).
///
/// PIL's own aliased `ImageDraw.ellipse([1, 3, 7, 5])` treats the corners as inclusive pixel
/// indices: it fills 17 pixels over columns 1...7 and rows 3...5, an ellipse about 7x3
/// centred at (4.5, 4.5). The continuous box used here keeps the ellipse centred on the
/// rotation centre (4, 4), so rotating never moves it.
enum MSDSEllipseTile {
    /// The tile's side in pixels.
    static let side = 8
    /// Sample points per pixel along each axis when measuring coverage.
    static let supersampling = 64
    /// The bounding box of the ellipse: `(left, top, right, bottom)`.
    static let box = (left: 1.0, top: 3.0, right: 7.0, bottom: 5.0)

    /// The unrotated alpha, `[side, side]` row-major, in [0, 1]. Every ellipse of every
    /// image starts from this one tile, so it is computed once.
    static let coverage: [Double] = {
        let centerX = (box.left + box.right) / 2
        let centerY = (box.top + box.bottom) / 2
        let radiusX = (box.right - box.left) / 2
        let radiusY = (box.bottom - box.top) / 2
        let step = 1.0 / Double(supersampling)
        var alpha = [Double](repeating: 0, count: side * side)
        for row in 0..<side {
            for column in 0..<side {
                var inside = 0
                for sampleY in 0..<supersampling {
                    let dy = (Double(row) + (Double(sampleY) + 0.5) * step - centerY) / radiusY
                    for sampleX in 0..<supersampling {
                        let dx = (Double(column) + (Double(sampleX) + 0.5) * step - centerX) / radiusX
                        if dx * dx + dy * dy <= 1 { inside += 1 }
                    }
                }
                alpha[row * side + column] = Double(inside) / Double(supersampling * supersampling)
            }
        }
        return alpha
    }()

    /// The ellipse's alpha rotated counter-clockwise (as seen on screen) by `degrees`.
    static func alpha(rotatedBy degrees: Double) -> [Double] {
        rotated(coverage, side: side, degrees: degrees)
    }

    /// `alpha` (`[side, side]`, row-major) rotated counter-clockwise on screen by `degrees`
    /// about the centre `(side / 2, side / 2)`, keeping the size, as PIL's
    /// `Image.rotate(degrees, resample=BICUBIC)` does it.
    ///
    /// Output pixel centre `(x + 0.5, y + 0.5)` is mapped back into the input by the inverse
    /// rotation; a point outside `[0, side)²` gives 0 (transparent), otherwise the input is
    /// interpolated from the 4x4 pixels around it (edge pixels repeated) with the cubic
    /// convolution kernel of PIL's affine transforms. That kernel has a = -1 (PIL's resize
    /// uses a = -0.5); the result is clamped to [0, 1] as PIL clamps to 0...255 (tests turn
    /// `clamped` off to see the interpolation alone).
    static func rotated(_ alpha: [Double], side: Int, degrees: Double, clamped: Bool = true) -> [Double] {
        precondition(alpha.count == side * side, "expected a \(side)x\(side) tile")
        // PIL rounds the matrix to 15 decimals, which makes multiples of 90 degrees exact
        // pixel permutations.
        func rounded15(_ value: Double) -> Double { (value * 1e15).rounded() / 1e15 }
        let radians = -(degrees.truncatingRemainder(dividingBy: 360)) * Double.pi / 180
        let cosine = rounded15(cos(radians))
        let sine = rounded15(sin(radians))
        let center = Double(side) / 2
        let size = Double(side)

        var output = [Double](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side {
                let outX = Double(x) + 0.5 - center
                let outY = Double(y) + 0.5 - center
                let inX = cosine * outX + sine * outY + center
                let inY = -sine * outX + cosine * outY + center
                guard inX >= 0, inX < size, inY >= 0, inY < size else { continue }
                let value = bicubicSample(alpha, side: side, x: inX, y: inY)
                output[y * side + x] = clamped ? min(max(value, 0), 1) : value
            }
        }
        return output
    }

    /// The cubic interpolation of `alpha` at continuous point `(x, y)`, sample `k` sitting at
    /// `k + 0.5`, with indices clamped to the tile.
    @inline(__always)
    static func bicubicSample(_ alpha: [Double], side: Int, x: Double, y: Double) -> Double {
        let shiftedX = x - 0.5
        let shiftedY = y - 0.5
        let baseX = Int(shiftedX.rounded(.down))
        let baseY = Int(shiftedY.rounded(.down))
        let fractionX = shiftedX - Double(baseX)
        let fractionY = shiftedY - Double(baseY)
        @inline(__always) func clamped(_ index: Int) -> Int { min(max(index, 0), side - 1) }
        let column0 = clamped(baseX - 1), column1 = clamped(baseX)
        let column2 = clamped(baseX + 1), column3 = clamped(baseX + 2)
        @inline(__always) func interpolatedRow(_ offset: Int) -> Double {
            let row = clamped(baseY + offset) * side
            return cubic(alpha[row + column0], alpha[row + column1],
                         alpha[row + column2], alpha[row + column3], fractionX)
        }
        return cubic(interpolatedRow(-1), interpolatedRow(0), interpolatedRow(1), interpolatedRow(2), fractionY)
    }

    /// Cubic convolution (a = -1) through four equally spaced samples, at fraction `t` of
    /// the way from `v1` to `v2`:
    /// `v1 + t(v2 - v0) + t²(2v0 - 2v1 + v2 - v3) + t³(-v0 + v1 - v2 + v3)`.
    @inline(__always)
    static func cubic(_ v0: Double, _ v1: Double, _ v2: Double, _ v3: Double, _ t: Double) -> Double {
        let linear = v2 - v0
        let quadratic = 2 * (v0 - v1) + v2 - v3
        let cubicTerm = -v0 + v1 - v2 + v3
        return v1 + t * (linear + t * (quadratic + t * cubicTerm))
    }
}
