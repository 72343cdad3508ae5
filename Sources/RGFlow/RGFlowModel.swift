// The whole model as the reference trains it: one flow from pixels (logit transform, then the
// RG-Flow network) to latents under a registered prior, and its loss.

import Autograd
import Foundation
import Tensor

/// The per-batch quantities of the training objective.
public struct FlowLoss<Scalar: TensorScalar> {
    /// loss_i = -log p(x_i) / (C L L) for pixels x_i (the flow includes the logit transform),
    /// `[batch]`.
    public let perSample: Variable<Scalar>
    /// The optimised loss: the batch mean of ``perSample``.
    public let mean: Variable<Scalar>
    /// log p(x) per sample of the pixels, `[batch]`.
    public let logProb: Variable<Scalar>
    /// The latents f(x), `[batch, C, L, L]`.
    public let latent: Variable<Scalar>

    /// Bits per dimension of the batch: (mean loss + ln 256) / ln 2.
    public var bitsPerDimension: Double {
        (Double(mean.value.scalar) + Foundation.log(256)) / Foundation.log(2)
    }
}

/// RG-Flow as the reference builds and trains it: pixels → ``LogitTransform`` →
/// ``RGFlowNetwork`` → latents under the configuration's prior, as one ``Flow`` whose
/// bijector is the chain of the two.
///
/// Parameters and buffers are listed under the reference's state-dict names (`layers.…`,
/// `prior.scale`; a trainable prior's parameters under `prior.…`), so weights move between
/// this model and the PyTorch code by name.
public final class RGFlowModel<Scalar: TensorScalar>: ParameterContainer {
    /// The hyperparameters.
    public let configuration: FlowConfiguration
    /// The pixel transform (the reference's constraint is 0.9), the chain's first stage.
    public let logitTransform: LogitTransform<Scalar>
    /// The bijector on logit-space images, the chain's second stage.
    public let network: RGFlowNetwork<Scalar>
    /// The prior the configuration names.
    public let prior: any Prior<Scalar>
    /// The flow from pixels to latents: logit transform, then the network, then the prior.
    public let flow: Flow<Scalar>

    /// Builds the model with the reference's initialisation, seeded.
    public init(configuration: FlowConfiguration, seed: UInt64, logitConstraint: Scalar = 0.9) {
        self.configuration = configuration
        logitTransform = LogitTransform(constraint: logitConstraint)
        var generator = TensorRandomGenerator(seed: seed)
        network = RGFlowNetwork(configuration: configuration, using: &generator)
        prior = ComponentRegistry.makePrior(configuration.prior, for: configuration.latentLevels, as: Scalar.self)
        flow = Flow(bijector: BijectorChain([logitTransform, network]), prior: prior)
    }

    /// Values per image, C L L.
    public var dimensions: Int { configuration.channels * configuration.sideLength * configuration.sideLength }

    /// The objective for a batch of pixels `[batch, C, L, L]` in [0, 1], used as they are (the
    /// golden cases, evaluation): -log p(x) / (C L L) per sample.
    public func loss(pixels: Tensor<Scalar>) -> FlowLoss<Scalar> {
        let (logProb, latent, _) = flow.evaluate(Variable(pixels))
        let perSample = -logProb / Scalar(dimensions)
        return FlowLoss(perSample: perSample, mean: perSample.mean(), logProb: logProb, latent: latent)
    }

    /// The training objective: pixels dequantised with uniform noise from `generator` first.
    public func loss(pixels: Tensor<Scalar>, dequantizingWith generator: inout TensorRandomGenerator) -> FlowLoss<Scalar> {
        loss(pixels: LogitTransform.dequantize(pixels, using: &generator))
    }

    /// Latents `[batch, C, L, L]` of pixels `[batch, C, L, L]` in (0, 1): the whole flow
    /// forward, without recording gradients.
    public func encode(_ pixels: Tensor<Scalar>) -> Tensor<Scalar> {
        GradientMode.withoutGradients { flow.bijector.forward(Variable(pixels)).output.value }
    }

    /// Pixels `[batch, C, L, L]` of latents: the whole flow inverse (network, then inverse
    /// logit), without recording gradients. Exact (``encode(_:)``'s inverse to rounding), so
    /// values may leave [0, 1] slightly; ``pixels(fromLatents:)`` clamps for display.
    public func decode(_ latents: Tensor<Scalar>) -> Tensor<Scalar> {
        GradientMode.withoutGradients { flow.bijector.inverse(Variable(latents)).output.value }
    }

    /// Images `[count, C, L, L]` in [0, 1]: latents from the prior at `temperature`, the
    /// inverse flow, clamped to [0, 1].
    public func samplePixels(count: Int, temperature: Scalar = 1, using generator: inout TensorRandomGenerator) -> Tensor<Scalar> {
        pixels(fromLatents: sampleLatents(count: count, temperature: temperature, using: &generator))
    }

    /// Latents `[count, C, L, L]` from the prior at `temperature`.
    public func sampleLatents(count: Int, temperature: Scalar = 1,
                              using generator: inout TensorRandomGenerator) -> Tensor<Scalar> {
        let c = configuration
        return prior.sample([count, c.channels, c.sideLength, c.sideLength], temperature: temperature, using: &generator)
    }

    /// Images from given latents `[count, C, L, L]` (the inverse flow), clamped to [0, 1].
    public func pixels(fromLatents z: Tensor<Scalar>) -> Tensor<Scalar> {
        decode(z).clamped(min: 0, max: 1)
    }

    /// The network's parameters (`layers.…`), then the prior's (`prior.…`).
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { flow.namedParameters }

    /// Masks, scale statistics and the prior's buffers (`prior.scale`).
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] { flow.namedBuffers }
}
