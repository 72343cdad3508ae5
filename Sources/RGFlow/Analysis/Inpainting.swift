// Inpainting on the hierarchy: only the latents whose support meets the hole move, optimised
// against -log p with the known pixels held by a penalty; every other latent stays exactly.

import Autograd
import Foundation
import Tensor

/// How ``RGFlowModel/inpaint(_:hole:options:)`` optimises.
public struct InpaintingOptions: Sendable {
    /// Adam steps on the touched latents.
    public var steps = 150
    /// Adam's learning rate on the latents.
    public var learningRate = 0.01
    /// λ of the known-pixel penalty λ Σ (x - x_known)² (pixels in [0, 1]): at 1e4, a known pixel
    /// off by 0.01 costs as much as one nat of -log p.
    public var penalty = 1e4

    /// 150 steps at learning rate 0.01, penalty 1e4.
    public init(steps: Int = 150, learningRate: Double = 0.01, penalty: Double = 1e4) {
        self.steps = steps
        self.learningRate = learningRate
        self.penalty = penalty
    }
}

/// What inpainting did.
public struct InpaintingResult<Scalar: TensorScalar> {
    /// The inpainted images `[N, C, L, L]`, clamped to [0, 1].
    public let pixels: Tensor<Scalar>
    /// Their latents `[N, C, L, L]`; outside ``touched`` equal, bit for bit, to the latents of the
    /// input with the hole filled.
    public let latents: Tensor<Scalar>
    /// The latents of the input with the hole filled by the known pixels' mean.
    public let initialLatents: Tensor<Scalar>
    /// `[C L L]`: the latents whose support meets the hole (the only ones optimised).
    public let touched: [Bool]
    /// The objective per dimension before the first step and after the last.
    public let objective: (initial: Double, final: Double)

    /// How many latents moved.
    public var touchedCount: Int { touched.filter { $0 }.count }
}

extension RGFlowModel {
    /// The latents (flags `[C L L]`) whose support meets the hole positions `hole` (flags
    /// `[L L]`, every channel of a position is in the hole).
    public func latentsTouched(byHole hole: [Bool]) -> [Bool] {
        let c = configuration, plane = c.sideLength * c.sideLength
        precondition(hole.count == plane, "latentsTouched: \(hole.count) hole flags for \(plane) positions")
        return network.latentsReaching(pixels: (0..<(c.channels * plane)).map { hole[$0 % plane] })
    }

    /// Fills the hole of `images` `[N, C, L, L]` (pixels in [0, 1]; `hole` flags `[L L]`).
    ///
    /// The method: the hole is first filled with the mean of the known pixels and the image
    /// encoded; then only the latents whose support meets the hole (``latentsTouched(byHole:)``,
    /// O(log L) of the C L² at the coarse levels) are moved by Adam on
    ///
    ///     [ -log p(x(z)) + λ Σ_known (x(z) - x_known)² ] / (C L L),
    ///     -log p(x(z)) = -log p_prior(z) + log|det ∂x/∂z|,
    ///
    /// so the hole takes what the model finds likely while the known pixels are held. Every
    /// other latent keeps its value exactly (the update is a select, not an addition).
    public func inpaint(_ images: Tensor<Scalar>, hole: [Bool], options: InpaintingOptions = InpaintingOptions())
        -> InpaintingResult<Scalar> {
        let c = configuration
        precondition(images.rank == 4 && Array(images.shape.dropFirst()) == [c.channels, c.sideLength, c.sideLength],
                     "inpaint: images of shape \(images.shape), expected [N, \(c.channels), \(c.sideLength), \(c.sideLength)]")
        let touched = latentsTouched(byHole: hole)
        let holeMask = Tensor<Scalar>(shape: [c.sideLength, c.sideLength], scalars: hole.map { $0 ? 1 : 0 })
        let known = 1 - holeMask
        let knownMean = (images * known).sum().scalar / Swift.max(known.sum().scalar * Scalar(images.shape[0] * c.channels), 1)
        let filled = images * known + holeMask * knownMean
        let start = encode(filled.clamped(min: Scalar(1e-4), max: 1 - Scalar(1e-4)))
        let touchedMask = Tensor<Scalar>(shape: [c.channels, c.sideLength, c.sideLength], scalars: touched.map { $0 ? 1 : 0 })
        let delta = Parameter(Tensor<Scalar>.zeros(start.shape))
        let optimizer = AdamW(parameters: [delta], learningRate: options.learningRate, weightDecay: 0)
        func objective() -> (Variable<Scalar>, Tensor<Scalar>) {
            let z = Variable.select(where: touchedMask, Variable(start) + delta.variable, else: Variable(start))
            let (x, inverseLogDet) = flow.bijector.inverse(z)
            let negativeLogP = -prior.logProb(z) + inverseLogDet
            let misfit = ((x - Variable(images)) * known).squared().sum(axes: [1, 2, 3]) * Scalar(options.penalty)
            return (((negativeLogP + misfit) / Scalar(dimensions)).mean(), z.value)
        }
        let initial = GradientMode.withGradients { objective().0.value.scalar }
        for _ in 0..<options.steps {
            delta.zeroGradient()
            GradientMode.withGradients { objective().0.backward() }
            optimizer.update()
        }
        let (final, latents) = GradientMode.withGradients { objective() }
        return InpaintingResult(pixels: pixels(fromLatents: latents), latents: latents, initialLatents: start,
                                touched: touched, objective: (Double(initial), Double(final.value.scalar)))
    }
}
