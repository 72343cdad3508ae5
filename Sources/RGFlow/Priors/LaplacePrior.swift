// The Laplace prior: the sparse prior of RG-Flow (paper §4).

import Autograd
import Foundation
import Tensor

/// Laplace(0, b): log p(z) = -|z| / b - ln(2b), with b = 1/√2 (unit variance) by default.
///
/// At temperature T samples use b = T/√2. Sampling is by the inverse CDF. State-dict buffer
/// `scale` (b), which the reference stores as `prior.scale`.
public struct LaplacePrior<Scalar: TensorScalar>: Prior, Sendable {
    /// b at temperature 1.
    public var scale: Scalar

    /// A Laplace prior with scale b (default 1/√2: unit variance).
    public init(scale: Scalar = Scalar(0.5).squareRoot()) {
        precondition(scale > 0, "LaplacePrior: scale must be positive, got \(scale)")
        self.scale = scale
    }

    /// -|z| / b - ln(2b) elementwise (derivative -sign(z)/b, 0 at z = 0).
    public func logDensity(_ z: Variable<Scalar>) -> Variable<Scalar> {
        -(z.abs() / scale) - Scalar(Foundation.log(2 * Double(scale)))
    }

    /// Laplace samples with scale T · b.
    public func sample(_ shape: [Int], temperature: Scalar, using generator: inout TensorRandomGenerator) -> Tensor<Scalar> {
        .laplace(shape, scale: scale * temperature, using: &generator)
    }

    /// `scale`.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] { [("scale", Tensor(scale))] }
}

/// The registry entry `laplace`: the reference's Laplace prior (no options; b = 1/√2).
public struct LaplacePriorOptions: PriorOptions {
    /// `laplace`.
    public static let name = "laplace"
    /// For `--help`.
    public static let summary = "Laplace, unit variance at T = 1 (b = T/sqrt 2): the paper's sparse prior"

    /// No options.
    public init() {}

    /// A ``LaplacePrior`` with b = 1/√2.
    public func makePrior<Scalar: TensorScalar>(for latents: LatentLevels, as _: Scalar.Type) -> any Prior<Scalar> {
        LaplacePrior<Scalar>()
    }
}
