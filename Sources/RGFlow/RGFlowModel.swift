// The whole model as the reference trains it: logit transform, RG-Flow network, prior, loss.

import Autograd
import Foundation
import Tensor

/// The per-batch quantities of the training objective.
public struct FlowLoss<Scalar: TensorScalar> {
    /// loss_i = -(log p(x'_i) + log|det| of the logit transform) / (C L L), `[batch]`.
    public let perSample: Variable<Scalar>
    /// The optimised loss: the batch mean of ``perSample``.
    public let mean: Variable<Scalar>
    /// log p(x') per sample under the flow, `[batch]`.
    public let logProb: Variable<Scalar>
    /// The latents f(x'), `[batch, C, L, L]`.
    public let latent: Variable<Scalar>

    /// Bits per dimension of the batch: (mean loss + ln 256) / ln 2.
    public var bitsPerDimension: Double {
        (Double(mean.value.scalar) + Foundation.log(256)) / Foundation.log(2)
    }
}

/// RG-Flow as the reference builds and trains it: pixels → logit transform → ``RGFlowNetwork``
/// → latents under a Laplace or Gaussian prior.
///
/// Parameters and buffers are listed under the reference's state-dict names (`layers.…`,
/// `prior.scale`), so weights move between this model and the PyTorch code by name.
public final class RGFlowModel<Scalar: TensorScalar>: ParameterContainer {
    /// The hyperparameters.
    public let configuration: FlowConfiguration
    /// The bijector on logit-space images.
    public let network: RGFlowNetwork<Scalar>
    /// The prior the configuration names.
    public let prior: any Prior<Scalar>
    /// The pixel transform (the reference's constraint is 0.9).
    public let logitTransform: LogitTransform<Scalar>

    /// Builds the model with the reference's initialisation, seeded.
    public init(configuration: FlowConfiguration, seed: UInt64, logitConstraint: Scalar = 0.9) {
        self.configuration = configuration
        logitTransform = LogitTransform(constraint: logitConstraint)
        var generator = TensorRandomGenerator(seed: seed)
        network = RGFlowNetwork(configuration: configuration, using: &generator)
        switch configuration.prior {
        case .laplace: prior = LaplacePrior<Scalar>()
        case .gaussian: prior = GaussianPrior<Scalar>()
        }
    }

    /// The flow on logit-space images.
    public var flow: Flow<Scalar> { Flow(bijector: network, prior: prior) }

    /// The objective for a batch of pixels `[batch, C, L, L]` in [0, 1], used as they are (the
    /// golden cases, evaluation).
    public func loss(pixels: Tensor<Scalar>) -> FlowLoss<Scalar> {
        let (logits, logitLogDet) = logitTransform.forward(Variable(pixels))
        let (logProb, latent, _) = flow.evaluate(logits)
        let dimensions = Scalar(configuration.channels * configuration.sideLength * configuration.sideLength)
        let perSample = -(logProb + logitLogDet) / dimensions
        return FlowLoss(perSample: perSample, mean: perSample.mean(), logProb: logProb, latent: latent)
    }

    /// The training objective: pixels dequantised with uniform noise from `generator` first.
    public func loss(pixels: Tensor<Scalar>, dequantizingWith generator: inout TensorRandomGenerator) -> FlowLoss<Scalar> {
        loss(pixels: LogitTransform.dequantize(pixels, using: &generator))
    }

    /// Images `[count, C, L, L]` in [0, 1]: latents from the prior at `temperature`, the
    /// inverse flow, the inverse logit transform, clamped to [0, 1].
    public func samplePixels(count: Int, temperature: Scalar = 1, using generator: inout TensorRandomGenerator) -> Tensor<Scalar> {
        let c = configuration
        let (logits, _) = flow.sample(count: count, latentShape: [c.channels, c.sideLength, c.sideLength],
                                      temperature: temperature, using: &generator)
        return pixels(fromLogits: logits)
    }

    /// Inverse logit transform, clamped to [0, 1].
    public func pixels(fromLogits logits: Tensor<Scalar>) -> Tensor<Scalar> {
        GradientMode.withoutGradients { logitTransform.inverse(Variable(logits)).output.value.clamped(min: 0, max: 1) }
    }

    /// Images from given latents `[count, C, L, L]` (inverse flow and logit transform, clamped).
    public func pixels(fromLatents z: Tensor<Scalar>) -> Tensor<Scalar> {
        pixels(fromLogits: GradientMode.withoutGradients { network.inverse(Variable(z)).output.value })
    }

    /// `layers.…` (the prior has no trainable parameters).
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { flow.namedParameters }

    /// Masks, scale statistics and `prior.scale`.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] { flow.namedBuffers }
}
