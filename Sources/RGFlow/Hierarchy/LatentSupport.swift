// Exact supports (light cones) from the MERA index pattern: which pixels a latent can reach
// through the inverse flow, and which latents a set of pixels depends on.

import Tensor

/// Element sets over one image `[C, L, L]`, element `c L² + i L + j`.
extension RGFlowNetwork {
    /// The pixels latent `latent` (element `c L² + i L + j` of z) can change through the
    /// inverse flow: its exact support, or light cone.
    ///
    /// Computed combinatorially: starting from the latent, the layers are undone in reverse
    /// order; a block of a layer that holds a reached feature reaches every output feature
    /// that its coupling's ``Coupling/dependencies(inverting:)`` says may depend on it. The
    /// logit transform is elementwise and changes nothing. Where the couplings declare their
    /// structure (every shipped one does), this is the exact nonzero pattern of the Jacobian
    /// column ∂x/∂z_latent for generic weights.
    ///
    /// - Returns: `[C L L]` flags, true on the support.
    public func support(ofLatent latent: Int) -> [Bool] {
        let c = configuration
        precondition((0..<(c.channels * c.sideLength * c.sideLength)).contains(latent),
                     "support(ofLatent:): latent \(latent) outside 0..<\(c.channels * c.sideLength * c.sideLength)")
        var reached = [Bool](repeating: false, count: c.channels * c.sideLength * c.sideLength)
        reached[latent] = true
        for layer in couplings.indices.reversed() { propagate(&reached, through: layer, pullingBack: false) }
        return reached
    }

    /// The latents that any of `pixels` (flags `[C L L]`) depends on through the inverse flow:
    /// exactly the latents whose support meets them (what an edit of those pixels touches).
    public func latentsReaching(pixels: [Bool]) -> [Bool] {
        let c = configuration
        precondition(pixels.count == c.channels * c.sideLength * c.sideLength,
                     "latentsReaching(pixels:): \(pixels.count) flags for \(c.channels * c.sideLength * c.sideLength) elements")
        var reached = pixels
        for layer in couplings.indices { propagate(&reached, through: layer, pullingBack: true) }
        return reached
    }

    /// Pushes a set forward through layer `layer`'s inverse (its outputs reached from the set),
    /// or pulls it back (its inputs that some element of the set depends on).
    private func propagate(_ reached: inout [Bool], through layer: Int, pullingBack: Bool) {
        let pattern = patterns[layer]
        let channels = configuration.channels, plane = configuration.sideLength * configuration.sideLength
        let positions = pattern.kernelSize * pattern.kernelSize, width = channels * positions
        let dependencies = couplings[layer].dependencies(inverting: true) ?? .dense(width: width)
        precondition(dependencies.width == width, "layer \(layer): dependencies over \(dependencies.width) features, blocks have \(width)")
        let table = pattern.table.positions
        var features = [Bool](repeating: false, count: width)
        for block in 0..<pattern.blockCount {
            var any = false
            for channel in 0..<channels {
                for k in 0..<positions {
                    let flag = reached[channel * plane + Int(table[block * positions + k])]
                    features[channel * positions + k] = flag
                    any = any || flag
                }
            }
            guard any else { continue }
            for channel in 0..<channels {
                for k in 0..<positions {
                    let feature = channel * positions + k
                    var hit = false
                    for other in 0..<width where features[other] {
                        if pullingBack ? dependencies.depends(output: other, input: feature)
                                       : dependencies.depends(output: feature, input: other) {
                            hit = true
                            break
                        }
                    }
                    if hit { reached[channel * plane + Int(table[block * positions + k])] = true }
                }
            }
        }
    }
}
