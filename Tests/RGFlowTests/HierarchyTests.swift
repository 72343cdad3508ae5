// The hierarchy made visible: supports against the Jacobian's nonzero pattern, receptive
// fields against central differences, traversals, style mixing and inpainting on random
// Double networks.

import Autograd
import Foundation
import RGFlow
import Tensor
import Testing

/// Shapes for the support test: every shipped coupling, K 2 and 4, L 8 and 16.
struct HierarchyCase: CustomTestStringConvertible, Sendable {
    var side, kernel: Int
    var coupling: String
    var pairs: String
    var testDescription: String { "L\(side) K\(kernel) \(coupling) pairs \(pairs)" }

    static let all: [HierarchyCase] = [8, 16].flatMap { side in
        [2, 4].flatMap { kernel in
            ["rnvp", "ar", "additive"].map { HierarchyCase(side: side, kernel: kernel, coupling: $0, pairs: "1") }
        }
    } + [HierarchyCase(side: 8, kernel: 4, coupling: "rnvp", pairs: "2")]

    func model(channels: Int = 2, seed: UInt64 = 1) throws -> RGFlowModel<Double> {
        let hidden = coupling == "ar" ? 2 * kernel * kernel : 8
        let configuration = try FlowConfiguration(channels: channels, sideLength: side, kernelSize: kernel,
                                                  coupling: ComponentSpecification(coupling), layers: pairs,
                                                  residualBlocks: "1", hiddenLayers: "1", hiddenWidths: "\(hidden)")
        let model = RGFlowModel<Double>(configuration: configuration, seed: seed)
        perturb(model, seed: seed + 1, spread: 0.3)
        return model
    }
}

@Suite("Hierarchy analyses")
struct HierarchyTests {
    @Test("the nonzero pattern of every Jacobian column ∂x/∂z_k equals the combinatorial support", arguments: HierarchyCase.all)
    func supportIsTheJacobianPattern(_ hierarchyCase: HierarchyCase) throws {
        let model = try hierarchyCase.model()
        let c = model.configuration
        var generator = TensorRandomGenerator(seed: 3)
        let z = model.sampleLatents(count: 1, temperature: 0.8, using: &generator)
        // Row i of `rows` is ∂x_i/∂z: column k of the inverse network's Jacobian is rows[·][k].
        // (The inverse logit after it is elementwise, so it keeps the pattern; its derivative
        // can only underflow to 0 where the random network sends a logit far out, which is
        // rounding, not structure.)
        let rows = jacobian(of: { model.network.inverse($0).output }, at: z)
        let count = model.dimensions
        var mismatches = 0
        for latent in 0..<count {
            let support = model.network.support(ofLatent: latent)
            for pixel in 0..<count where (rows[pixel][latent] != 0) != support[pixel] {
                if mismatches < 3 { print("latent \(latent) pixel \(pixel): ∂x/∂z = \(rows[pixel][latent]), support \(support[pixel])") }
                mismatches += 1
            }
        }
        #expect(mismatches == 0, "\(hierarchyCase): \(mismatches) entries where the Jacobian pattern and the support differ")
        // Supports grow with the level, on average over each level's latents.
        let sizes = (0..<c.latentLevels.levelCount).map { level in
            c.latentLevels.positionsByLevel[level].map { model.network.support(ofLatent: $0).filter { $0 }.count }
        }
        // (Strictly until a level's supports already cover the whole image, as small L allows.)
        for level in 1..<sizes.count {
            let below = Double(sizes[level - 1].reduce(0, +)) / Double(sizes[level - 1].count)
            let here = Double(sizes[level].reduce(0, +)) / Double(sizes[level].count)
            #expect(below < Double(count) ? here > below : here == below,
                    "\(hierarchyCase): mean support \(here) at level \(level), \(below) below")
        }
    }

    @Test("receptive fields equal |central differences| of the decoder", arguments: [HierarchyCase.all[0], HierarchyCase.all[5], HierarchyCase.all[7]])
    func fieldsMatchFiniteDifferences(_ hierarchyCase: HierarchyCase) throws {
        let model = try hierarchyCase.model()
        var generator = TensorRandomGenerator(seed: 4)
        let z = model.sampleLatents(count: 2, temperature: 0.8, using: &generator)
        let fields = model.receptiveFields(at: z, pixelsPerPass: 37)
        let levels = model.configuration.latentLevels
        let h = 1e-6
        for level in 0..<levels.levelCount {
            let latent = levels.positionsByLevel[level][levels.positionsByLevel[level].count / 2] + model.dimensions / 2
            var expected = [Double](repeating: 0, count: model.dimensions)
            for sample in 0..<2 {
                let point = z.sliced(axis: 0, start: sample, end: sample + 1).copied()
                var up = point.scalars, down = point.scalars
                up[latent] += h
                down[latent] -= h
                let plus = Tensor(shape: point.shape, scalars: up), minus = Tensor(shape: point.shape, scalars: down)
                let difference = (model.decode(plus) - model.decode(minus)).scalars
                for element in 0..<model.dimensions { expected[element] += Swift.abs(difference[element] / (2 * h)) / 2 }
            }
            let actual = Array(fields.elementField(ofLatent: latent))
            let scale = expected.max() ?? 1
            let worst = zip(actual, expected).map { Swift.abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-6 * Swift.max(scale, 1), "level \(level) latent \(latent): field off by \(worst) (scale \(scale))")
        }
        let sizes = model.levelFieldSizes(fields)
        #expect(sizes.map(\.latentCount) == (0..<levels.levelCount).map { levels.latentCount(atLevel: $0) })
        let plane = Double(levels.sideLength * levels.sideLength)
        for level in 1..<sizes.count {
            let below = sizes[level - 1].supportSize
            #expect(below < plane ? sizes[level].supportSize > below : sizes[level].supportSize == below, "\(sizes)")
        }
    }

    @Test("a traversal changes no pixel outside the latent's support, bit for bit, and some inside", arguments: HierarchyCase.all.prefix(6))
    func traversalStaysInItsSupport(_ hierarchyCase: HierarchyCase) throws {
        let model = try hierarchyCase.model()
        let levels = model.configuration.latentLevels
        var generator = TensorRandomGenerator(seed: 5)
        let z = model.sampleLatents(count: 1, temperature: 0.8, using: &generator)
        let plane = levels.sideLength * levels.sideLength
        for level in 0..<levels.levelCount {
            let position = levels.positionsByLevel[level].last!
            let traversal = LatentTraversal.latent(channel: 1, row: position / levels.sideLength, column: position % levels.sideLength)
            let images = model.decode(model.traversalLatents(z, along: traversal, amplitude: 2, steps: 3)).scalars
            let base = model.decode(z).scalars
            let support = model.network.support(ofLatent: plane + position)
            var changedInside = 0
            for step in 0..<3 {
                for element in 0..<model.dimensions {
                    let changed = images[step * model.dimensions + element].bitPattern != base[element].bitPattern
                    if support[element] { changedInside += changed ? 1 : 0 } else {
                        #expect(!changed, "\(hierarchyCase) level \(level): pixel \(element) outside the support changed")
                    }
                }
            }
            #expect(changedInside > 0, "\(hierarchyCase) level \(level): nothing inside the support changed")
        }
    }

    @Test("per-level temperatures scale each level's latents by its own temperature")
    func levelTemperaturesScaleTheirLevels() throws {
        let model = try HierarchyCase(side: 16, kernel: 2, coupling: "rnvp", pairs: "1").model()
        let levels = model.configuration.latentLevels
        let temperatures: [Double] = [0.25, 0.5, 1, 2]
        #expect(levels.levelCount == temperatures.count)
        var generator = TensorRandomGenerator(seed: 11)
        let z = model.levelTemperatureLatents(count: 2000, temperatures: temperatures, using: &generator)
        // The prior is a scale family in T, so the mean |z| of a level over its positions is
        // proportional to that level's temperature; 2000 samples put the top level's 8000
        // values within about 1% of it.
        var meanAbsolute = [Double](repeating: 0, count: levels.levelCount), counts = meanAbsolute
        let values = z.scalars, side = levels.sideLength, plane = side * side
        for (index, value) in values.enumerated() {
            let position = index % plane
            let level = levels.level(row: position / side, column: position % side)
            meanAbsolute[level] += abs(value)
            counts[level] += 1
        }
        for level in 0..<levels.levelCount { meanAbsolute[level] /= counts[level] }
        for level in 1..<levels.levelCount {
            let ratio = (meanAbsolute[level] / meanAbsolute[0]) / (temperatures[level] / temperatures[0])
            #expect(abs(ratio - 1) < 0.05, "level \(level): mean |z| ratio \(ratio) of the temperature ratio")
        }
    }

    @Test("style mixing from level 0 returns the coarse image, from past the top the fine one")
    func styleMixingEnds() throws {
        let model = try HierarchyCase.all[1].model()
        var generator = TensorRandomGenerator(seed: 6)
        let a = Tensor<Double>.uniform([2, 2, 8, 8], low: 0.05, high: 0.95, using: &generator)
        let b = Tensor<Double>.uniform([2, 2, 8, 8], low: 0.05, high: 0.95, using: &generator)
        let levels = model.configuration.latentLevels
        #expect((model.mixingStyles(coarse: a, fine: b, fromLevel: 0) - a).abs().max().scalar <= 1e-10)
        #expect((model.mixingStyles(coarse: a, fine: b, fromLevel: levels.levelCount) - b).abs().max().scalar <= 1e-10)
        let strip = model.styleMixingStrip(coarse: a.sliced(axis: 0, start: 0, end: 1).copied(), fine: b.sliced(axis: 0, start: 0, end: 1).copied())
        #expect(strip.shape == [levels.levelCount + 1, 2, 8, 8])
        let grid = model.styleMixingGrid(rows: a, columns: b, level: 1)
        #expect(grid.shape == [4, 2, 8, 8])
        // Row 1, column 0 mixes a[1]'s coarse levels with b[0]'s fine ones.
        let single = model.mixingStyles(coarse: a.sliced(axis: 0, start: 1, end: 2).copied(), fine: b.sliced(axis: 0, start: 0, end: 1).copied(), fromLevel: 1)
        #expect((grid.sliced(axis: 0, start: 2, end: 3) - single).abs().max().scalar <= 1e-12)
    }

    @Test("inpainting moves only the latents whose support meets the hole, and improves the objective")
    func inpaintingTouchesOnlyTheCone() throws {
        let model = try HierarchyCase(side: 16, kernel: 4, coupling: "rnvp", pairs: "1").model()
        let c = model.configuration
        var generator = TensorRandomGenerator(seed: 7)
        let image = Tensor<Double>.uniform([1, 2, 16, 16], low: 0.1, high: 0.9, using: &generator)
        var hole = [Bool](repeating: false, count: 256)
        for (i, j) in [(5, 5), (5, 6), (6, 5), (6, 6)] { hole[i * 16 + j] = true }
        let result = model.inpaint(image, hole: hole, options: InpaintingOptions(steps: 30))
        #expect(result.touchedCount > 0 && result.touchedCount < model.dimensions)
        let before = result.initialLatents.scalars, after = result.latents.scalars
        var moved = 0
        for index in 0..<model.dimensions {
            if result.touched[index] { moved += before[index] != after[index] ? 1 : 0 } else {
                #expect(before[index].bitPattern == after[index].bitPattern, "latent \(index) outside the cone moved")
            }
        }
        #expect(moved > 0)
        #expect(result.objective.final < result.objective.initial, "\(result.objective)")
        // The cone is exactly the latents whose support meets the hole.
        let plane = c.sideLength * c.sideLength
        for latent in 0..<model.dimensions {
            let support = model.network.support(ofLatent: latent)
            let meets = (0..<model.dimensions).contains { support[$0] && hole[$0 % plane] }
            #expect(meets == result.touched[latent], "latent \(latent)")
        }
    }

    /// Latents touched by a 2 x 2 hole at rows and columns 1-2, at L = 8 ... 64 (C 3, random
    /// rnvp networks with 2 pairs per layer: the count depends only on the MERA pattern).
    static func holeCounts(kernel: Int) throws -> [Int] {
        try [8, 16, 32, 64].map { side in
            let model = try HierarchyCase(side: side, kernel: kernel, coupling: "rnvp", pairs: "2").model(channels: 3)
            var hole = [Bool](repeating: false, count: side * side)
            for (i, j) in [(1, 1), (1, 2), (2, 1), (2, 2)] { hole[i * side + j] = true }
            return model.latentsTouched(byHole: hole).filter { $0 }.count
        }
    }

    /// Least squares count = a + b log2 L, with R².
    static func logFit(_ sides: [Int], _ counts: [Int]) -> (a: Double, b: Double, rSquared: Double) {
        let x = sides.map { log2(Double($0)) }, y = counts.map(Double.init)
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0, total = 0.0
        for (u, v) in zip(x, y) {
            sxy += (u - mx) * (v - my)
            sxx += (u - mx) * (u - mx)
            total += (v - my) * (v - my)
        }
        let b = sxy / sxx, a = my - b * mx
        var squares = 0.0
        for (u, v) in zip(x, y) { squares += (a + b * u - v) * (a + b * u - v) }
        return (a, b, total > 0 ? 1 - squares / total : 1)
    }

    @Test("the latents a 2 x 2 hole touches grow like log L, not like C L²")
    func holeCountsGrowLogarithmically() throws {
        // K 2: four levels' worth of growth over L 8 ... 64, a fixed number of latents per
        // doubling, so count = a + b log2 L holds exactly.
        let two = try Self.holeCounts(kernel: 2)
        let fitTwo = Self.logFit([8, 16, 32, 64], two)
        print("K 2, touched latents at L 8, 16, 32, 64:", two, "of", [8, 16, 32, 64].map { 3 * $0 * $0 },
              String(format: "fit %.1f + %.1f log2 L, R² %.6f", fitTwo.a, fitTwo.b, fitTwo.rSquared))
        #expect(Set(zip(two.dropFirst(), two).map { $0 - $1 }).count == 1, "K 2 counts \(two) do not grow by a constant per doubling")
        #expect(fitTwo.b > 0 && fitTwo.rSquared > 0.9999)
        // K 4 (the paper's): at L 8 the flow has two levels and the hole's cone is every latent
        // (C L² = 192); from L 16 on each doubling adds the same number.
        let four = try Self.holeCounts(kernel: 4)
        let fitFour = Self.logFit([16, 32, 64], Array(four.dropFirst()))
        print("K 4, touched latents at L 8, 16, 32, 64:", four,
              String(format: "fit (L >= 16) %.1f + %.1f log2 L, R² %.6f", fitFour.a, fitFour.b, fitFour.rSquared))
        #expect(four[0] == 3 * 8 * 8)
        #expect(four[3] - four[2] == four[2] - four[1] && four[2] > four[1], "K 4 counts \(four)")
        #expect(fitFour.rSquared > 0.9999)
    }
}
