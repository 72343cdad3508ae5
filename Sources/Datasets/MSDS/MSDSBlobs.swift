// The bright blobs of one image for the MSDS sample score: 8-connected components of pixels
// whose brightest channel reaches a threshold, measured by size, centre and colour.

/// One connected bright region of an image and the measurements the sample score uses.
///
/// Coordinates are continuous with pixel column `k` spanning `[k, k + 1)`, so a pixel's
/// centre is at `k + 0.5` (as ``MSDSEllipse/x``).
struct MSDSBlob: Sendable, Hashable {
    /// Row-major indices (`row * side + column`) of the pixels at or above the threshold.
    var pixels: [Int]
    /// The pixels and the pixels 8-adjacent to them that belong to no blob: the blob with
    /// its dim fringe.
    var neighbourhood: [Int]
    /// The brightness (largest channel) of the brightest pixel.
    var peakBrightness: Float
    /// The `(red, green, blue)` values of the brightest pixel, in [0, 1].
    var peakColor: [Float]
    /// Σ brightness over ``neighbourhood`` divided by ``peakBrightness``: the area in pixels
    /// the blob would cover at full opacity.
    ///
    /// Over black, a shape of colour `c` and coverage `α` has pixels `α·c`, so this ratio is
    /// `Σα / max α` whatever the colour: a dim ellipse measures as large as a bright one.
    var effectiveArea: Float
    /// Brightness-weighted mean x over ``neighbourhood``.
    var centroidX: Float
    /// Brightness-weighted mean y over ``neighbourhood``.
    var centroidY: Float
    /// The ratio of the long axis to the short one, √(λ₁/λ₂) for λ₁ ≥ λ₂ the eigenvalues
    /// of the brightness-weighted covariance of the points of ``neighbourhood`` (each pixel a
    /// unit square, so a single pixel measures 1): MSDS's 6 x 2 ellipses are elongated, the
    /// faint round dots of a poorly trained model are not.
    var elongation: Float
}

/// The brightness map and bright blobs of one `[3, side, side]` image.
struct MSDSBlobMap: Sendable {
    /// The image's side in pixels.
    let side: Int
    /// Per pixel, row-major: the largest of the three channels, clamped to [0, 1] with NaN
    /// as 0 (how the PNG grids display it). The largest channel rather than a luminance
    /// so that a saturated blue ellipse counts as bright as a white one: msds2 colours are
    /// independent per channel.
    let brightness: [Float]
    /// The blobs, in the order of their first pixel in reading order (pieces of a split
    /// blob together, where the blob was).
    let blobs: [MSDSBlob]

    /// Finds the blobs of `planes`, `[3, side, side]` planar values in [0, 1].
    ///
    /// Pixels join a blob when their brightness is at least `threshold`; 8-connectivity is
    /// used because an ellipse rotated near 45° is two pixels thick and its brightest pixels
    /// often touch only at corners. A blob that crosses a border of the `cellSide` x
    /// `cellSide` cells is replaced by its pieces in each cell when every piece has an area
    /// in `pieceAreas`: an MSDS ellipse lies inside its own cell (centre `8j + 4 ± 1`,
    /// semi-major axis 3), but in about a third of real images two tips meet at a border
    /// with both edge pixels bright, which joins two ellipses into one blob.
    init(planes: [Float], side: Int, threshold: Float, cellSide: Int, pieceAreas: ClosedRange<Float>) {
        let planeSize = side * side
        precondition(planes.count == 3 * planeSize,
                     "expected 3 x \(side) x \(side) = \(3 * planeSize) values, got \(planes.count)")
        var brightness = [Float](repeating: 0, count: planeSize)
        for pixel in 0..<planeSize {
            brightness[pixel] = (0..<3).reduce(0) { max($0, Self.unitClamped(planes[$1 * planeSize + pixel])) }
        }
        let isBright = brightness.map { $0 >= threshold }
        func cell(_ pixel: Int) -> Int { (pixel / side / cellSide) * side + (pixel % side) / cellSide }
        func measured(_ pixels: [Int]) -> MSDSBlob {
            Self.measure(pixels, isBright: isBright, brightness: brightness, planes: planes, side: side)
        }

        var blobs: [MSDSBlob] = []
        for region in Self.regions(of: isBright, side: side, connects: { _, _ in true }) {
            var inRegion = [Bool](repeating: false, count: planeSize)
            for pixel in region { inRegion[pixel] = true }
            let pieces = Self.regions(of: inRegion, side: side, connects: { cell($0) == cell($1) }).map(measured)
            if pieces.count > 1 && pieces.allSatisfy({ pieceAreas.contains($0.effectiveArea) }) {
                blobs += pieces
            } else {
                blobs.append(measured(region))
            }
        }
        self.side = side
        self.brightness = brightness
        self.blobs = blobs
    }

    /// The 8-connected regions of the pixels where `included` is true, joining neighbours
    /// only when `connects` allows it; each region's pixels sorted, regions in the order of
    /// their first pixel.
    private static func regions(of included: [Bool], side: Int, connects: (Int, Int) -> Bool) -> [[Int]] {
        var visited = [Bool](repeating: false, count: included.count)
        var regions: [[Int]] = []
        var stack: [Int] = []
        for start in included.indices where included[start] && !visited[start] {
            var pixels: [Int] = []
            visited[start] = true
            stack.append(start)
            while let pixel = stack.popLast() {
                pixels.append(pixel)
                for neighbour in neighbours(of: pixel, side: side)
                where included[neighbour] && !visited[neighbour] && connects(pixel, neighbour) {
                    visited[neighbour] = true
                    stack.append(neighbour)
                }
            }
            regions.append(pixels.sorted())
        }
        return regions
    }

    /// Measures one blob; its fringe is the adjacent pixels below the threshold, so a
    /// neighbouring blob's bright pixels never count towards this one's area or centre.
    private static func measure(
        _ pixels: [Int], isBright: [Bool], brightness: [Float], planes: [Float], side: Int
    ) -> MSDSBlob {
        let planeSize = side * side
        let peak = pixels.max { brightness[$0] < brightness[$1] }!
        var inNeighbourhood = Set(pixels)
        for pixel in pixels {
            inNeighbourhood.formUnion(neighbours(of: pixel, side: side).filter { !isBright[$0] })
        }
        let neighbourhood = inNeighbourhood.sorted()
        var total: Float = 0, weightedX: Float = 0, weightedY: Float = 0
        for pixel in neighbourhood {
            let weight = brightness[pixel]
            total += weight
            weightedX += weight * (Float(pixel % side) + 0.5)
            weightedY += weight * (Float(pixel / side) + 0.5)
        }
        let meanX = weightedX / total, meanY = weightedY / total
        // A unit square's own variance is 1/12 along each axis.
        var xx: Float = 1.0 / 12, yy: Float = 1.0 / 12, xy: Float = 0
        for pixel in neighbourhood {
            let weight = brightness[pixel] / total
            let dx = Float(pixel % side) + 0.5 - meanX, dy = Float(pixel / side) + 0.5 - meanY
            xx += weight * dx * dx
            yy += weight * dy * dy
            xy += weight * dx * dy
        }
        let half = (xx + yy) / 2, root = (((xx - yy) / 2) * ((xx - yy) / 2) + xy * xy).squareRoot()
        let elongation = ((half + root) / max(half - root, 1e-6)).squareRoot()
        return MSDSBlob(
            pixels: pixels, neighbourhood: neighbourhood, peakBrightness: brightness[peak],
            peakColor: (0..<3).map { unitClamped(planes[$0 * planeSize + peak]) },
            effectiveArea: total / brightness[peak],
            centroidX: meanX, centroidY: meanY, elongation: elongation)
    }

    /// `value` clamped to [0, 1], NaN as 0: the byte the PNG grids would show, as a fraction.
    private static func unitClamped(_ value: Float) -> Float {
        value > 0 ? min(value, 1) : 0  // NaN compares false
    }

    /// The up to eight pixels around `pixel` inside the image.
    private static func neighbours(of pixel: Int, side: Int) -> [Int] {
        let row = pixel / side, column = pixel % side
        var result: [Int] = []
        result.reserveCapacity(8)
        for dy in -1...1 {
            for dx in -1...1 where dx != 0 || dy != 0 {
                let y = row + dy, x = column + dx
                if y >= 0 && y < side && x >= 0 && x < side { result.append(y * side + x) }
            }
        }
        return result
    }
}
