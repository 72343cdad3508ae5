// Mixed-temperature sampling (paper appendix B) on the level-addressed latents: coarse levels
// drawn at a high temperature, fine levels at a low one.

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
