// Mixed-temperature sampling (paper appendix B) on the level-addressed latents: coarse levels
// drawn at a high temperature, fine levels at a low one; or every level at a temperature of its own.

import Tensor

extension RGFlowModel {
    /// Latents `[count, C, L, L]` drawn at `lowTemperature`, with every latent of level ≥
    /// `levelCutoff` redrawn at `highTemperature` (the reference's `z[:, :, ::k, ::k]` with
    /// k = 2^cutoff; see ``LatentLevels``).
    ///
    /// - Precondition: 0 ≤ `levelCutoff` ≤ the top level.
    public func mixedTemperatureLatents(count: Int, lowTemperature: Scalar, highTemperature: Scalar, levelCutoff: Int,
                                        using generator: inout TensorRandomGenerator) -> Tensor<Scalar> {
        let levels = configuration.latentLevels
        precondition((0...levels.topLevel).contains(levelCutoff),
                     "mixedTemperatureLatents: level cutoff \(levelCutoff) outside 0...\(levels.topLevel)")
        let low = sampleLatents(count: count, temperature: lowTemperature, using: &generator)
        let high = sampleLatents(count: count, temperature: highTemperature, using: &generator)
        return levels.combining(coarse: high, fine: low, fromLevel: levelCutoff)
    }
}

extension RGFlowModel {
    /// Latents `[count, C, L, L]` with every latent of level ℓ drawn at `temperatures[ℓ]`
    /// (finest level first): which levels a sample's look depends on shows in what changes
    /// when one level's temperature falls.
    ///
    /// - Precondition: one positive temperature per level (``LatentLevels/levelCount``).
    public func levelTemperatureLatents(count: Int, temperatures: [Scalar],
                                        using generator: inout TensorRandomGenerator) -> Tensor<Scalar> {
        let levels = configuration.latentLevels
        precondition(temperatures.count == levels.levelCount && temperatures.allSatisfy { $0 > 0 },
                     "levelTemperatureLatents: \(levels.levelCount) positive temperatures needed, got \(temperatures)")
        // Each level is drawn from the prior at its own temperature rather than by scaling one
        // draw: a user's prior need not be a scale family in T.
        var z = sampleLatents(count: count, temperature: temperatures[0], using: &generator)
        for level in 1..<levels.levelCount {
            let coarse = sampleLatents(count: count, temperature: temperatures[level], using: &generator)
            z = levels.combining(coarse: coarse, fine: z, fromLevel: level)
        }
        return z
    }
}
