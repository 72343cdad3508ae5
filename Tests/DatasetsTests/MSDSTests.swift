// MSDS1/MSDS2 checked against the DESIGN spec: the ellipse tile against exact geometry and
// Pillow, label statistics against the spec's distributions, pixels against their labels.

import Foundation
import Testing
@testable import Datasets

/// Exact area of the ellipse (centre (4, 4), semi-axes 3 and 1) inside the pixel square
/// `[column, column + 1) x [row, row + 1)`, by integrating the clipped chord over x.
private func exactCoverage(column: Int, row: Int) -> Double {
    let steps = 20_000
    var area = 0.0
    for step in 0..<steps {
        let x = Double(column) + (Double(step) + 0.5) / Double(steps)
        let u = (x - 4) / 3
        guard u * u < 1 else { continue }
        let halfChord = (1 - u * u).squareRoot()
        let overlap = min(4 + halfChord, Double(row + 1)) - max(4 - halfChord, Double(row))
        area += max(0, overlap)
    }
    return area / Double(steps)
}

/// The distance from an ellipse's centre to the point (x, y).
private func distance(_ ellipse: MSDSEllipse, _ x: Double, _ y: Double) -> Double {
    ((ellipse.x - x) * (ellipse.x - x) + (ellipse.y - y) * (ellipse.y - y)).squareRoot()
}

/// Mean and unbiased variance.
private func moments(_ values: [Double]) -> (mean: Double, variance: Double) {
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    return (mean, variance)
}

/// The variance of the discrete uniform distribution on `count` consecutive integers.
private func discreteUniformVariance(_ count: Int) -> Double { Double(count * count - 1) / 12 }

/// The standard deviation of the unbiased variance of `n` draws from a distribution with
/// variance `variance` and excess kurtosis `excessKurtosis` (-1.2 for uniform ones).
private func varianceSpread(_ variance: Double, n: Int, excessKurtosis: Double = -1.2) -> Double {
    variance * (2 / Double(n - 1) + excessKurtosis / Double(n)).squareRoot()
}

@Suite("MSDS ellipse tile")
struct MSDSEllipseTileTests {
    let side = MSDSEllipseTile.side

    @Test("coverage matches the exact area of the ellipse in each pixel")
    func coverageIsExact() {
        // Supersampling error per pixel: under 1/N from counting sample points per column
        // plus under V/N from the Riemann sum over columns (V <= 2, the variation of the
        // clipped chord), N = samples per axis.
        let bound = 3 / Double(MSDSEllipseTile.supersampling)
        var total = 0.0
        for row in 0..<side {
            for column in 0..<side {
                let value = MSDSEllipseTile.coverage[row * side + column]
                let exact = exactCoverage(column: column, row: row)
                #expect(abs(value - exact) <= bound, "pixel (\(column), \(row)): \(value) vs exact \(exact)")
                total += value
            }
        }
        // The area is π·3·1. Summed over the tile, counting errors are below one sample
        // per column crossing the ellipse (6N columns) plus the Riemann error 4/N.
        let samples = Double(MSDSEllipseTile.supersampling)
        #expect(abs(total - 3 * Double.pi) <= 6 * samples / (samples * samples) + 4 / samples)
        // Only rows 3 and 4 and columns 1...6 meet the ellipse's interior.
        for row in 0..<side {
            for column in 0..<side where !(3...4).contains(row) || !(1...6).contains(column) {
                #expect(MSDSEllipseTile.coverage[row * side + column] == 0)
            }
        }
    }

    @Test("coverage is mirror-symmetric about both axes of the ellipse")
    func coverageIsSymmetric() {
        let coverage = MSDSEllipseTile.coverage
        for row in 0..<side {
            for column in 0..<side {
                #expect(coverage[row * side + column] == coverage[row * side + (side - 1 - column)])
                #expect(coverage[row * side + column] == coverage[(side - 1 - row) * side + column])
            }
        }
    }

    @Test("rotations by multiples of 90 degrees are exact pixel permutations")
    func quarterTurns() {
        let coverage = MSDSEllipseTile.coverage
        #expect(MSDSEllipseTile.alpha(rotatedBy: 0) == coverage)
        let half = MSDSEllipseTile.alpha(rotatedBy: 180)
        let quarter = MSDSEllipseTile.alpha(rotatedBy: 90)
        for row in 0..<side {
            for column in 0..<side {
                // Half turn: pixel (x, y) comes from (7 - x, 7 - y).
                #expect(half[row * side + column] == coverage[(side - 1 - row) * side + (side - 1 - column)])
                // Counter-clockwise on screen (y down) maps an offset (dx, dy) from the centre
                // to (dy, -dx), so output pixel (x, y) comes from input (7 - y, x).
                #expect(quarter[row * side + column] == coverage[column * side + (side - 1 - row)])
            }
        }
    }

    @Test("positive angles turn the major axis counter-clockwise as displayed")
    func rotationDirection() {
        let alpha = MSDSEllipseTile.alpha(rotatedBy: 45)
        // Counter-clockwise by 45° on screen puts the major axis from lower left to upper
        // right: pixel centres 2 up-right of the centre (4, 4) are inside, 2 down-right outside.
        let upRight = alpha[2 * side + 5]  // pixel (5, 2), centre (5.5, 2.5)
        let downRight = alpha[5 * side + 5]  // pixel (5, 5), centre (5.5, 5.5)
        #expect(upRight > 0.5 && downRight < 0.1, "up-right \(upRight), down-right \(downRight)")
    }

    @Test("rotation roughly preserves the ellipse's area", arguments: Array(stride(from: 0.0, to: 360.0, by: 7.5)))
    func rotationKeepsArea(degrees: Double) {
        // Cubic convolution weights sum to 1 and the kernel integrates to 1, so the
        // interpolant keeps the tile's mass; the rotated pixel grid samples it, which for
        // this 2-pixel-wide shape costs about a percent.
        let interpolated = MSDSEllipseTile.rotated(MSDSEllipseTile.coverage, side: side, degrees: degrees, clamped: false)
        let total = interpolated.reduce(0, +)
        #expect(abs(total - 3 * Double.pi) < 0.02 * 3 * Double.pi, "sum \(total) at \(degrees)°")
        // Clamping to [0, 1] only removes the kernel's undershoot below 0 and overshoot
        // above 1, so it can only move each pixel towards [0, 1].
        let clamped = MSDSEllipseTile.alpha(rotatedBy: degrees)
        for (value, raw) in zip(clamped, interpolated) {
            #expect(value == min(max(raw, 0), 1))
        }
    }

    @Test("rotation matches Pillow's Image.rotate(resample=BICUBIC) on an 8-bit tile",
          .enabled(if: PythonCheck.hasPillow, "\(PythonCheck.missingPillow)"))
    func rotationMatchesPillow() throws {
        let folder = try PythonCheck.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = MSDSEllipseTile.coverage.map { UInt8(($0 * 255).rounded()) }
        let file = folder.appendingPathComponent("tile.png")
        try PNGEncoder.write(PNGEncoder.Image(width: side, height: side, colorType: .gray, pixels: bytes), to: file)
        let angles = [0, 10, 33.3, 45, 90, 120.5, 179.9, 200, 271]
        let cases = angles.map { PythonCheck.Case(name: "\($0)", kind: "pil-rotate", file: file.path, angle: $0) }
        let results = try PythonCheck.check(cases, in: folder)
        for angle in angles {
            let pillow = try #require(results["\(angle)"]?.pixels)
            let ours = MSDSEllipseTile.rotated(bytes.map { Double($0) / 255 }, side: side, degrees: angle)
            for (index, value) in ours.enumerated() {
                // Pillow truncates its double result to a byte; allow for our rounding when
                // the value sits within 1e-9 of an integer.
                let scaled = value * 255
                let truncations = [Int((scaled - 1e-9).rounded(.down)), Int((scaled + 1e-9).rounded(.down))]
                #expect(truncations.contains(pillow[index]),
                        "angle \(angle), pixel \(index): ours \(scaled), Pillow \(pillow[index])")
            }
        }
    }
}

@Suite("MSDS datasets")
struct MSDSTests {
    static let imageCount = 300
    static let seed: UInt64 = 2024

    static func images(_ variant: MSDSVariant) -> [MSDSImage] {
        let dataset = MSDSDataset(variant: variant, split: .train, seed: seed, count: imageCount)
        return (0..<imageCount).map { dataset.renderedImage(at: $0) }
    }

    @Test("msds1: one image colour, per-ellipse offsets in ±32, independent angles in [0, 180)")
    func msds1Labels() {
        let images = MSDSTests.images(.msds1)
        var angles: [Double] = [], allColors: [Double] = [], imageMeans: [Double] = []
        var withinColor: [Double] = [], withinAngle: [Double] = []
        for image in images {
            #expect(image.ellipses.count == 16)
            for channel in 0..<3 {
                let colors = image.ellipses.map { Double([$0.red, $0.green, $0.blue][channel]) }
                // All ellipses of an image share c: their colours differ by at most 2·32.
                #expect(colors.max()! - colors.min()! <= 64)
                allColors += colors
                imageMeans.append(moments(colors).mean)
                withinColor.append(moments(colors).variance)
            }
            let imageAngles = image.ellipses.map(\.angle)
            #expect(imageAngles.allSatisfy { $0 >= 0 && $0 < 180 })
            angles += imageAngles
            withinAngle.append(moments(imageAngles).variance)
        }
        // Colour mean: E[c] = 32 + 191/2 = 127.5; the spread of the estimate is dominated by
        // c (one per image and channel): sqrt(Var(c) / (3 · images)), allowing 4σ.
        let colorMean = moments(allColors).mean
        #expect(abs(colorMean - 127.5) < 4 * (discreteUniformVariance(192) / Double(3 * images.count)).squareRoot())
        // Within an image only the offsets vary: variance of U{-32...32}.
        let offsetVariance = discreteUniformVariance(65)
        let pooled = moments(withinColor).mean
        #expect(abs(pooled - offsetVariance) < 4 * varianceSpread(offsetVariance, n: 16) / Double(withinColor.count).squareRoot())
        // Across images the mean colour varies like c: Var(c) + Var(offset) / 16.
        let acrossVariance = discreteUniformVariance(192) + offsetVariance / 16
        #expect(abs(moments(imageMeans).variance - acrossVariance) < 4 * varianceSpread(acrossVariance, n: imageMeans.count))
        // Angles: U[0, 180) per ellipse, so the within-image variance is the full 180²/12.
        let angleVariance = 180.0 * 180 / 12
        #expect(abs(moments(angles).mean - 90) < 4 * (angleVariance / Double(angles.count)).squareRoot())
        let pooledAngle = moments(withinAngle).mean
        #expect(abs(pooledAngle - angleVariance) < 4 * varianceSpread(angleVariance, n: 16) / Double(images.count).squareRoot())
    }

    @Test("msds2: independent colours in 0...255, angles θ + U[0, 45) with θ in [0, 180)")
    func msds2Labels() {
        let images = MSDSTests.images(.msds2)
        var withinColor: [Double] = [], withinAngle: [Double] = [], allColors: [Double] = []
        var reds: [Double] = [], greens: [Double] = []
        for image in images {
            let angles = image.ellipses.map(\.angle)
            // θ <= every angle < θ + 45 with θ in [0, 180).
            #expect(angles.max()! - angles.min()! < 45)
            #expect(angles.min()! >= 0 && angles.min()! < 180 + 45 && angles.max()! < 225)
            withinAngle.append(moments(angles).variance)
            for channel in 0..<3 {
                let colors = image.ellipses.map { Double([$0.red, $0.green, $0.blue][channel]) }
                allColors += colors
                withinColor.append(moments(colors).variance)
            }
            reds += image.ellipses.map { Double($0.red) }
            greens += image.ellipses.map { Double($0.green) }
        }
        let colorVariance = discreteUniformVariance(256)
        #expect(abs(moments(allColors).mean - 127.5) < 4 * (colorVariance / Double(allColors.count)).squareRoot())
        // Colours are drawn per ellipse, so an image's ellipses vary as much as all of them.
        #expect(abs(moments(withinColor).mean - colorVariance)
                < 4 * varianceSpread(colorVariance, n: 16) / Double(withinColor.count).squareRoot())
        // Channels are independent: correlation within 4/sqrt(n) of 0.
        let red = moments(reds), green = moments(greens)
        let covariance = zip(reds, greens).reduce(0) { $0 + ($1.0 - red.mean) * ($1.1 - green.mean) } / Double(reds.count - 1)
        #expect(abs(covariance / (red.variance * green.variance).squareRoot()) < 4 / Double(reds.count).squareRoot())
        // Angle offsets U[0, 45): within-image variance 45²/12.
        let offsetVariance = 45.0 * 45 / 12
        #expect(abs(moments(withinAngle).mean - offsetVariance)
                < 4 * varianceSpread(offsetVariance, n: 16) / Double(images.count).squareRoot())
    }

    @Test("centres sit on the 8-pixel grid, each offset -1, 0, 1 about a third of the time",
          arguments: MSDSVariant.allCases)
    func positions(variant: MSDSVariant) {
        var counts = [Int](repeating: 0, count: 3)
        var total = 0
        for image in MSDSTests.images(variant) {
            for (number, ellipse) in image.ellipses.enumerated() {
                let (row, column) = number.quotientAndRemainder(dividingBy: 4)
                // Tile top-left 8·column + dx, centre 4 further.
                let dx = ellipse.x - Double(8 * column + 4)
                let dy = ellipse.y - Double(8 * row + 4)
                #expect([-1.0, 0, 1].contains(dx) && [-1.0, 0, 1].contains(dy), "ellipse \(number) at \(ellipse.x), \(ellipse.y)")
                for offset in [dx, dy] where [-1.0, 0, 1].contains(offset) { counts[Int(offset) + 1] += 1 }
                total += 2
            }
        }
        let tolerance = 4 * (1.0 / 3 * 2 / 3 / Double(total)).squareRoot()
        for count in counts { #expect(abs(Double(count) / Double(total) - 1.0 / 3) < tolerance) }
    }

    @Test("pixels: black away from the ellipses, the colour of the label at each centre",
          arguments: MSDSVariant.allCases)
    func pixelsMatchLabels(variant: MSDSVariant) {
        // A tile pixel can be nonzero only within 2.55 + 2·√2 ≈ 5.38 of the ellipse centre:
        // covered input pixels have centres within 2.55 of it and bicubic taps reach under
        // 2 pixels per axis.
        let reach = 2.55 + 2 * 2.0.squareRoot()
        var backgroundPixels = 0, centrePixels = 0
        for image in MSDSTests.images(variant) {
            for y in 0..<32 {
                for x in 0..<32 {
                    let centreX = Double(x) + 0.5, centreY = Double(y) + 0.5
                    let distances = image.ellipses.map { distance($0, centreX, centreY) }
                    let pixel = Array(image.pixels[((y * 32 + x) * 3)..<((y * 32 + x) * 3 + 3)])
                    if distances.allSatisfy({ $0 > reach }) {
                        #expect(pixel == [0, 0, 0], "pixel (\(x), \(y)) far from every ellipse is \(pixel)")
                        backgroundPixels += 1
                    }
                }
            }
            for ellipse in image.ellipses {
                // The 2x2 pixels around the centre: only this ellipse reaches them, so each
                // is round(α · colour) with one α per pixel, and the centre is inside (α ≥ 1/2).
                for (x, y) in [(0, 0), (-1, 0), (0, -1), (-1, -1)].map({ (Int(ellipse.x) + $0.0, Int(ellipse.y) + $0.1) })
                where (0..<32).contains(x) && (0..<32).contains(y) {
                    let others = image.ellipses.filter { $0 != ellipse }
                    guard others.allSatisfy({ distance($0, Double(x) + 0.5, Double(y) + 0.5) > reach }) else { continue }
                    let pixel = image.pixels[((y * 32 + x) * 3)..<((y * 32 + x) * 3 + 3)].map(Double.init)
                    let color = [ellipse.red, ellipse.green, ellipse.blue].map(Double.init)
                    var low = 0.5, high = 1.0
                    for channel in 0..<3 {
                        if color[channel] == 0 {
                            #expect(pixel[channel] == 0)
                        } else {
                            low = max(low, (pixel[channel] - 0.5) / color[channel] - 1e-9)
                            high = min(high, (pixel[channel] + 0.5) / color[channel] + 1e-9)
                        }
                    }
                    #expect(low <= high, "pixel (\(x), \(y)) = \(pixel) is not α·\(color) with α in [0.5, 1]")
                    centrePixels += 1
                }
            }
        }
        // The checks above must actually have run on many pixels.
        #expect(backgroundPixels > 1_000 && centrePixels > 4 * 16 * 250)
    }
}

@Suite("MSDS generation and files")
struct MSDSGenerationTests {
    @Test("a seed reproduces every image; other seeds, splits and variants differ")
    func reproducibility() {
        let generator = MSDSGenerator(variant: .msds1, seed: 11)
        // Images are independent of generation order.
        let forward = [3, 5, 9].map { generator.image(split: .train, index: $0) }
        let backward = [9, 5, 3].map { generator.image(split: .train, index: $0) }.reversed()
        #expect(forward == Array(backward))
        #expect(MSDSGenerator(variant: .msds1, seed: 11).image(split: .train, index: 5) == forward[1])
        let others = [
            MSDSGenerator(variant: .msds1, seed: 12).image(split: .train, index: 5),
            generator.image(split: .test, index: 5),
            generator.image(split: .train, index: 6),
            MSDSGenerator(variant: .msds2, seed: 11).image(split: .train, index: 5),
        ]
        for other in others {
            #expect(other.pixels != forward[1].pixels && other.ellipses != forward[1].ellipses)
        }
    }

    @Test("the dataset serves [3, 32, 32] values byte / 255 and the labels of the same image")
    func datasetLayout() throws {
        let dataset = MSDSDataset(variant: .msds2, split: .test, seed: 4, count: 10)
        #expect(dataset.count == 10 && dataset.channels == 3 && dataset.sideLength == 32)
        let image = dataset.renderedImage(at: 7)
        let values = try dataset.image(at: 7, augmentationSeed: 123)
        #expect(values.count == 3 * 32 * 32)
        for channel in 0..<3 {
            for y in 0..<32 {
                for x in 0..<32 {
                    #expect(values[channel * 1024 + y * 32 + x] == Float(image.pixels[(y * 32 + x) * 3 + channel]) / 255)
                }
            }
        }
        #expect(dataset.labels(at: 7) == image.ellipses)
        #expect(image.pixels == MSDSGenerator.render(image.ellipses))
        // No augmentation: the seed changes nothing.
        #expect(try dataset.image(at: 7, augmentationSeed: 0) == values)
        #expect(MSDSDataset(variant: .msds1, split: .train).count == 90_000)
        #expect(MSDSDataset(variant: .msds1, split: .test).count == 10_000)
    }

    static let seed: UInt64 = 5
    static let counts: [(DatasetSplit, Int)] = [(.train, 12), (.test, 5)]

    /// Writes a small MSDS1 folder into a fresh temporary folder.
    static func writeSmallFolder() throws -> URL {
        let root = try PythonCheck.temporaryFolder()
        try MSDSGenerator(variant: .msds1, seed: seed).writeFolder(
            at: root, trainCount: counts[0].1, testCount: counts[1].1, threadCount: 2)
        return root
    }

    @Test("writeFolder writes {train,test}/0/NNNNN.png and labels.csv matching the dataset")
    func folderLayout() throws {
        let root = try MSDSGenerationTests.writeSmallFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        for (split, count) in MSDSGenerationTests.counts {
            let folder = root.appendingPathComponent(split.rawValue)
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("0").path)
            // Only final names: no temporary file is left behind.
            #expect(names.sorted() == (0..<count).map { String(format: "%05d.png", $0) })
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["0", "labels.csv"])

            let lines = try String(contentsOf: folder.appendingPathComponent("labels.csv"), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.first == "image,ellipse,x,y,angle,r,g,b")
            #expect(lines.count == 1 + 16 * count + 1 && lines.last == "")
            let dataset = MSDSDataset(variant: .msds1, split: split, seed: MSDSGenerationTests.seed, count: count)
            for (offset, line) in lines.dropFirst().dropLast().enumerated() {
                let fields = line.split(separator: ",").map(String.init)
                let (index, number) = offset.quotientAndRemainder(dividingBy: 16)
                let label = dataset.labels(at: index)[number]
                #expect(fields.count == 8)
                #expect(fields[0] == "\(index)" && fields[1] == "\(number)")
                #expect(Double(fields[2]) == label.x && Double(fields[3]) == label.y && Double(fields[4]) == label.angle)
                #expect(fields[5...].map { UInt8($0) } == [label.red, label.green, label.blue])
            }
        }
    }

    @Test("the written PNGs decode, independently, to the dataset's pixels",
          .enabled(if: PythonCheck.isAvailable, "\(PythonCheck.missingPython)"))
    func folderImagesDecode() throws {
        let root = try MSDSGenerationTests.writeSmallFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        var cases: [PythonCheck.Case] = []
        for (split, count) in MSDSGenerationTests.counts {
            let dataset = MSDSDataset(variant: .msds1, split: split, seed: MSDSGenerationTests.seed, count: count)
            for index in 0..<count {
                let raw = root.appendingPathComponent("\(split.rawValue)-\(index).raw")
                try Data(dataset.renderedImage(at: index).pixels).write(to: raw)
                let png = root.appendingPathComponent("\(split.rawValue)/0/" + String(format: "%05d.png", index))
                cases.append(.init(name: "\(split)-\(index)", kind: "png", file: png.path, raw: raw.path,
                                   width: 32, height: 32, color: "rgb", pillow: PythonCheck.hasPillow))
            }
        }
        let results = try PythonCheck.check(cases, in: root)
        for testCase in cases {
            let result = try #require(results[testCase.name])
            #expect(result.ok, "\(testCase.name): \(result.error)")
        }
    }
}
