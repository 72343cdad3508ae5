// Figure grids checked pixel by pixel: every enlarged cell repeats its source pixels in
// k x k blocks, every pixel outside the cells has the gap value, and sizes follow the rule.

import Tensor
import Testing
@testable import Datasets

/// The byte `value` in [0, 1] is shown as: 255·value rounded to nearest, ties up.
private func expectedByte(_ value: Float) -> UInt8 {
    UInt8((Double(value) * 255).rounded(.toNearestOrAwayFromZero))
}

/// Checks that `grid` shows `images` (`[count, channels, height, width]`) enlarged by
/// `factor`, image k in grid slot `s = firstSlot + k` (row `s / columns`, column
/// `s % columns`), separated and framed by `gap` pixels; returns the number of mismatching
/// samples (0 when it is right) and marks every cell pixel in `covered`.
private func cellMismatches(
    _ grid: PNGEncoder.Image, _ images: Tensor<Float>, columns: Int, firstSlot: Int = 0, factor: Int, gap: Int,
    covered: inout [Bool]
) -> Int {
    let (count, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
    let values = images.scalars
    var mismatches = 0
    for k in 0..<count {
        let slot = firstSlot + k
        let left = gap + (slot % columns) * (width * factor + gap)
        let top = gap + (slot / columns) * (height * factor + gap)
        for y in 0..<(height * factor) {
            for x in 0..<(width * factor) {
                let pixel = (top + y) * grid.width + left + x
                covered[pixel] = true
                for channel in 0..<channels {
                    let source = values[((k * channels + channel) * height + y / factor) * width + x / factor]
                    if grid.pixels[pixel * channels + channel] != expectedByte(source) { mismatches += 1 }
                }
            }
        }
    }
    return mismatches
}

/// The samples of the pixels not marked in `covered` that differ from `value`.
private func gapMismatches(_ grid: PNGEncoder.Image, covered: [Bool], value: UInt8) -> Int {
    let channels = grid.colorType.channels
    return covered.indices.filter { !covered[$0] }.reduce(0) { total, pixel in
        total + (0..<channels).count { grid.pixels[pixel * channels + $0] != value }
    }
}

@Suite("Figure grids")
struct FigureGridTests {
    @Test("32-pixel images become 128-pixel blocks of their pixels, with gray gaps")
    func enlargedCellsAndGaps() {
        var generator = TensorRandomGenerator(seed: 21)
        let images = Tensor<Float>.uniform([3, 3, 32, 32], using: &generator)
        let grid = PNGEncoder.figureGrid(of: images)
        // Three images in ceil(sqrt(3)) = 2 columns, 2 rows: 2 * (128 + 4) + 4 = 268 each way.
        #expect(grid.width == 268 && grid.height == 268 && grid.colorType == .rgb)
        var covered = [Bool](repeating: false, count: grid.width * grid.height)
        #expect(cellMismatches(grid, images, columns: 2, factor: 4, gap: 4, covered: &covered) == 0)
        // The fourth cell is empty: gap colour as well. 0.5 shows as byte 128.
        #expect(covered.count { $0 } == 3 * 128 * 128)
        #expect(gapMismatches(grid, covered: covered, value: 128) == 0)
    }

    @Test("the factor is the smallest whole one reaching the minimum side", arguments: [
        (28, 28, 128, 5), (32, 32, 128, 4), (32, 32, 100, 4), (64, 48, 128, 3), (200, 200, 128, 1), (1, 1, 1, 1),
    ])
    func upscaleFactor(height: Int, width: Int, minimum: Int, factor: Int) {
        #expect(PNGEncoder.upscaleFactor(height: height, width: width, minimumSide: minimum) == factor)
    }

    @Test("gray images at another size, columns and gap")
    func grayImages() {
        var generator = TensorRandomGenerator(seed: 22)
        let images = Tensor<Float>.uniform([5, 1, 28, 20], using: &generator)
        let grid = PNGEncoder.figureGrid(of: images, columns: 5, minimumImageSide: 60, gap: 7, gapValue: 0.2)
        // Factor ceil(60 / 20) = 3: cells 60 x 84, one row of five.
        #expect(grid.colorType == .gray)
        #expect(grid.width == 5 * (60 + 7) + 7 && grid.height == 84 + 2 * 7)
        var covered = [Bool](repeating: false, count: grid.width * grid.height)
        #expect(cellMismatches(grid, images, columns: 5, factor: 3, gap: 7, covered: &covered) == 0)
        #expect(gapMismatches(grid, covered: covered, value: expectedByte(0.2)) == 0)
    }

    @Test("rows of different lengths: one tensor per grid row, short rows end in gap colour")
    func gridFromRows() {
        var generator = TensorRandomGenerator(seed: 23)
        let first = Tensor<Float>.uniform([4, 3, 8, 8], using: &generator)
        let second = Tensor<Float>.uniform([2, 3, 8, 8], using: &generator)
        let grid = PNGEncoder.figureGrid(rows: [first, second], minimumImageSide: 16, gap: 3, gapValue: 0.25)
        #expect(grid.width == 4 * (16 + 3) + 3 && grid.height == 2 * (16 + 3) + 3)
        var covered = [Bool](repeating: false, count: grid.width * grid.height)
        #expect(cellMismatches(grid, first, columns: 4, factor: 2, gap: 3, covered: &covered) == 0)
        #expect(cellMismatches(grid, second, columns: 4, firstSlot: 4, factor: 2, gap: 3, covered: &covered) == 0)
        // Everything else, the last two cells of row 1 included, is gap.
        #expect(covered.count { $0 } == 6 * 16 * 16)
        #expect(gapMismatches(grid, covered: covered, value: expectedByte(0.25)) == 0)
    }
}
