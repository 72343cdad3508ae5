// A flow: a bijector from data to latents and a prior over the latents.

import Autograd
import Tensor

/// A normalizing flow: log p(x) = log p_prior(f(x)) + log|det ∂f/∂x|, and sampling by
/// x = f⁻¹(z) with z from the prior at a temperature.
public struct Flow<Scalar: TensorScalar> {
    /// The map from data to latents.
    public let bijector: any Bijector<Scalar>
    /// The latent distribution.
    public let prior: any Prior<Scalar>

    /// A flow from a bijector and a prior.
    public init(bijector: any Bijector<Scalar>, prior: any Prior<Scalar>) {
        self.bijector = bijector
        self.prior = prior
    }

    /// log p(x) per sample `[batch]`, with the latents and the log-determinant.
    public func evaluate(_ x: Variable<Scalar>) -> (logProb: Variable<Scalar>, latent: Variable<Scalar>, logDet: Variable<Scalar>) {
        let (z, logDet) = bijector.forward(x)
        return (prior.logProb(z) + logDet, z, logDet)
    }

    /// log p(x) per sample `[batch]`.
    public func logProb(_ x: Variable<Scalar>) -> Variable<Scalar> { evaluate(x).logProb }

    /// `count` samples drawn with the prior at `temperature` and mapped back, with their
    /// log-density under the model (temperature 1): log p_prior(z) - log|det ∂x/∂z|.
    ///
    /// - Parameter latentShape: the shape of one sample, e.g. `[C, L, L]`.
    /// - Returns: x `[count, …]` and logProb `[count]`.
    public func sample(count: Int, latentShape: [Int], temperature: Scalar = 1,
                       using generator: inout TensorRandomGenerator) -> (x: Tensor<Scalar>, logProb: Tensor<Scalar>) {
        let z = prior.sample([count] + latentShape, temperature: temperature, using: &generator)
        return GradientMode.withoutGradients {
            let (x, inverseLogDet) = bijector.inverse(Variable(z))
            return (x.value, (prior.logProb(Variable(z)) - inverseLogDet).value)
        }
    }

    /// The bijector's parameters, then the prior's under `prior.`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        bijector.namedParameters + prefixed("prior", prior.namedParameters)
    }

    /// The state dict's buffers: the bijector's, then the prior's under `prior.`.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] {
        bijector.namedBuffers + prefixed("prior", prior.namedBuffers)
    }
}
