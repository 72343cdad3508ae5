// Receptive fields: |∂x/∂z| of every latent through the inverse flow, many fields per backward
// pass, with each latent's exact support and per-level sizes beside them.

import Autograd
import Foundation
import Tensor

/// The receptive fields of every latent of a model, averaged over a set of latents.
///
/// Field k is |∂x/∂z_k| over the image `[C, L, L]`: how much pixel x moves when latent k does,
/// through the inverse flow (network, then inverse logit). Values are means over the latents
/// the fields were computed at.
public struct ReceptiveFields: Sendable {
    /// The latent layout.
    public let levels: LatentLevels
    /// `[latent k · (C L L) + pixel element]`: mean |∂x_pixel/∂z_k|, latent and pixel elements
    /// both indexed `c L² + i L + j`.
    public let magnitudes: [Double]
    /// How many latent points the means are over.
    public let sampleCount: Int

    /// Elements of one image, C L².
    public var elementCount: Int { levels.channels * levels.sideLength * levels.sideLength }

    /// Latent k's field summed over channels, `[L L]` positions `i L + j`.
    public func field(ofLatent latent: Int) -> [Double] {
        let plane = levels.sideLength * levels.sideLength
        var result = [Double](repeating: 0, count: plane)
        let row = latent * elementCount
        for element in 0..<elementCount { result[element % plane] += magnitudes[row + element] }
        return result
    }

    /// Latent k's field over the elements `[C L L]`.
    public func elementField(ofLatent latent: Int) -> ArraySlice<Double> {
        magnitudes[(latent * elementCount)..<((latent + 1) * elementCount)]
    }

    /// The fewest pixel positions that hold `fraction` of latent k's L1 mass (summed over
    /// channels): the field's effective size.
    public func effectiveSize(ofLatent latent: Int, holding fraction: Double) -> Int {
        let values = field(ofLatent: latent).sorted(by: >)
        let total = values.reduce(0, +)
        guard total > 0 else { return 0 }
        var running = 0.0
        for (index, value) in values.enumerated() {
            running += value
            if running >= fraction * total * (1 - 1e-12) { return index + 1 }
        }
        return values.count
    }
}

/// Per level: how large its latents' supports and fields are (means over the level's latents).
public struct LevelFieldSizes: Sendable, Codable, Equatable {
    /// The level.
    public var level: Int
    /// Latents at this level (all channels).
    public var latentCount: Int
    /// Mean support size, in pixel positions (a position counts when any channel is reached).
    public var supportSize: Double
    /// Mean number of positions holding 90% of a field's L1 mass.
    public var size90: Double
    /// The same for 99%.
    public var size99: Double
}

extension RGFlowModel {
    /// The receptive fields of every latent at `latents` `[N, C, L, L]`, averaged over the N.
    ///
    /// A backward pass from pixel element e through the inverse flow gives row e of the
    /// Jacobian ∂x/∂z, the value of every latent's field at e. The flow treats samples
    /// independently, so `pixelsPerPass` copies of one latent point in a batch, seeded with one
    /// pixel each, give that many rows per backward pass: the whole Jacobian takes
    /// ⌈C L² / pixelsPerPass⌉ passes per point.
    public func receptiveFields(at latents: Tensor<Scalar>, pixelsPerPass: Int = 256) -> ReceptiveFields {
        let levels = configuration.latentLevels
        let count = dimensions
        precondition(latents.rank == 4 && Array(latents.shape.dropFirst()) == [levels.channels, levels.sideLength, levels.sideLength],
                     "receptiveFields: latents of shape \(latents.shape), expected [N, \(levels.channels), \(levels.sideLength), \(levels.sideLength)]")
        precondition(pixelsPerPass > 0, "receptiveFields: pixelsPerPass must be positive")
        var magnitudes = [Double](repeating: 0, count: count * count)
        let samples = latents.shape[0]
        for sample in 0..<samples {
            let point = latents.sliced(axis: 0, start: sample, end: sample + 1)
            for first in stride(from: 0, to: count, by: pixelsPerPass) {
                let rows = min(pixelsPerPass, count - first)
                let copies = point.expanded(to: [rows] + Array(latents.shape.dropFirst())).copied()
                let leaf = Variable(copies, requiresGradient: true)
                let pixels = GradientMode.withGradients { flow.bijector.inverse(leaf).output }
                var seed = [Scalar](repeating: 0, count: rows * count)
                for row in 0..<rows { seed[row * count + first + row] = 1 }
                pixels.backward(seed: Tensor(shape: pixels.shape, scalars: seed))
                let gradient = leaf.gradient!.scalars
                for row in 0..<rows {
                    let pixel = first + row
                    for latent in 0..<count {
                        magnitudes[latent * count + pixel] += Swift.abs(Double(gradient[row * count + latent]))
                    }
                }
            }
        }
        let scale = 1 / Double(max(samples, 1))
        return ReceptiveFields(levels: levels, magnitudes: magnitudes.map { $0 * scale }, sampleCount: samples)
    }

    /// Per level, the mean support size and the mean 90% and 99% effective field sizes of its
    /// latents, from `fields` (see ``receptiveFields(at:pixelsPerPass:)``).
    public func levelFieldSizes(_ fields: ReceptiveFields) -> [LevelFieldSizes] {
        let levels = configuration.latentLevels
        let plane = levels.sideLength * levels.sideLength
        return (0..<levels.levelCount).map { level in
            var support = 0.0, size90 = 0.0, size99 = 0.0, latents = 0
            for channel in 0..<levels.channels {
                for position in levels.positionsByLevel[level] {
                    let latent = channel * plane + position
                    let reached = network.support(ofLatent: latent)
                    support += Double((0..<plane).filter { p in (0..<levels.channels).contains { reached[$0 * plane + p] } }.count)
                    size90 += Double(fields.effectiveSize(ofLatent: latent, holding: 0.9))
                    size99 += Double(fields.effectiveSize(ofLatent: latent, holding: 0.99))
                    latents += 1
                }
            }
            let n = Double(max(latents, 1))
            return LevelFieldSizes(level: level, latentCount: latents, supportSize: support / n, size90: size90 / n,
                                   size99: size99 / n)
        }
    }
}
