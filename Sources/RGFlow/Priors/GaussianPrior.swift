// The standard normal prior.

import Autograd
import Foundation
import Tensor

/// N(0, σ²): log p(z) = -z²/(2σ²) - ln σ - ln(2π)/2, σ = 1 by default; samples at temperature T
/// use σ T.
public struct GaussianPrior<Scalar: TensorScalar>: Prior, Sendable {
    /// σ at temperature 1.
    public var standardDeviation: Scalar

    /// A Gaussian prior with standard deviation σ (default 1).
    public init(standardDeviation: Scalar = 1) {
        precondition(standardDeviation > 0, "GaussianPrior: standard deviation must be positive")
        self.standardDeviation = standardDeviation
    }

    /// -z²/(2σ²) - ln σ - ln(2π)/2 elementwise.
    public func logDensity(_ z: Variable<Scalar>) -> Variable<Scalar> {
        let sigma = Double(standardDeviation)
        return z.squared() * Scalar(-0.5 / (sigma * sigma)) - Scalar(Foundation.log(sigma) + 0.5 * Foundation.log(2 * Double.pi))
    }

    /// Normal samples with standard deviation T σ.
    public func sample(_ shape: [Int], temperature: Scalar, using generator: inout TensorRandomGenerator) -> Tensor<Scalar> {
        .normal(shape, standardDeviation: standardDeviation * temperature, using: &generator)
    }

    /// `scale` (σ): the reference's Gaussian source registers it as a buffer exactly as its
    /// Laplace source does, so every reference state dict holds `prior.scale`.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] { [("scale", Tensor(standardDeviation))] }
}

/// The registry entry `gaussian`: the reference's standard normal prior (no options; σ = 1).
public struct GaussianPriorOptions: PriorOptions {
    /// `gaussian`.
    public static let name = "gaussian"
    /// For `--help`.
    public static let summary = "standard normal (sigma = T)"

    /// No options.
    public init() {}

    /// A ``GaussianPrior`` with σ = 1.
    public func makePrior<Scalar: TensorScalar>(for latents: LatentLevels, as _: Scalar.Type) -> any Prior<Scalar> {
        GaussianPrior<Scalar>()
    }
}
