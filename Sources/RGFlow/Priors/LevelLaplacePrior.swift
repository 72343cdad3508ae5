// A Laplace prior whose scale is learned per RG level: the hierarchy's levels carry latents of
// different spread (coarse latents hold more of the image's energy), so one scale fits none.

import Autograd
import Foundation
import Tensor

/// Laplace(0, b_ℓ) with one trainable scale per level ℓ of ``LatentLevels``:
///
///     log p(z) = -|z| / b_ℓ(z) - ln(2 b_ℓ(z)),   b_ℓ = exp(log_scale[ℓ])
///
/// where ℓ(z) is the level of z's position. The scales are parametrised by their logarithm so
/// AdamW's steps keep them positive; they start at ln(1/√2) (unit variance, the reference's
/// Laplace). State-dict parameter `log_scale` (`prior.log_scale` in the model), shape
/// `[levels]`. Samples at temperature T use b_ℓ T.
///
/// - Note: the density is not a function of z alone but of z's position: ``logDensity(_:)``
///   expects latents `[batch, C, L, L]` of the layout it was made for.
public struct LevelLaplacePrior<Scalar: TensorScalar>: Prior, Sendable {
    /// ln b per level, `[levels]`.
    public let logScale: Parameter<Scalar>
    /// The layout whose levels the scales follow.
    public let levels: LatentLevels
    /// Each position's level, as a gather table from `[levels]` to `[L, L]`.
    private let positionLevels: IndexTable

    /// A prior with every level's scale at `initialScale` (default 1/√2).
    public init(levels: LatentLevels, initialScale: Double = 0.5.squareRoot()) {
        precondition(initialScale > 0, "LevelLaplacePrior: the initial scale must be positive, got \(initialScale)")
        self.levels = levels
        logScale = Parameter(Tensor(repeating: Scalar(Foundation.log(initialScale)), shape: [levels.levelCount]))
        positionLevels = IndexTable(shape: [levels.sideLength, levels.sideLength], positions: levels.levelOfPosition,
                                    sourceCount: levels.levelCount)
    }

    /// -|z| / b_ℓ - ln(2 b_ℓ) elementwise for z `[batch, C, L, L]`.
    public func logDensity(_ z: Variable<Scalar>) -> Variable<Scalar> {
        precondition(Array(z.shape.suffix(2)) == [levels.sideLength, levels.sideLength],
                     "LevelLaplacePrior: latents of shape \(z.shape), expected [..., \(levels.sideLength), \(levels.sideLength)]")
        let logB = logScale.variable.gathered(trailingAxes: 1, positionLevels)  // [L, L]
        return -(z.abs() * (-logB).exp()) - logB - Scalar(Foundation.log(2.0))
    }

    /// Laplace samples `[batch, C, L, L]` with scale b_ℓ T at each position.
    public func sample(_ shape: [Int], temperature: Scalar, using generator: inout TensorRandomGenerator) -> Tensor<Scalar> {
        let scales = logScale.value.exp().gathered(trailingAxes: 1, positionLevels) * temperature
        return Tensor<Scalar>.laplace(shape, using: &generator) * scales
    }

    /// `log_scale`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [("log_scale", logScale)] }
}

/// The registry entry `level_laplace`: `--prior level_laplace`.
public struct LevelLaplacePriorOptions: PriorOptions {
    /// `level_laplace`.
    public static let name = "level_laplace"
    /// For `--help`.
    public static let summary = "Laplace with a trainable scale per RG level (prior.log_scale)"
    /// Per option, for `--help`.
    public static let optionHelp = ["initial_scale": "every level's b before training, > 0"]

    /// Every level's b before training (`initial_scale`).
    public var initialScale = 0.5.squareRoot()

    private enum CodingKeys: String, CodingKey { case initialScale = "initial_scale" }

    /// b = 1/√2 at every level.
    public init() {}

    /// The initial scale must be positive.
    public func validate() throws {
        guard initialScale > 0, initialScale.isFinite else {
            throw ConfigurationError("prior level_laplace: initial_scale must be positive, got \(initialScale)")
        }
    }

    /// A ``LevelLaplacePrior`` over `latents`' levels.
    public func makePrior<Scalar: TensorScalar>(for latents: LatentLevels, as _: Scalar.Type) -> any Prior<Scalar> {
        LevelLaplacePrior<Scalar>(levels: latents, initialScale: initialScale)
    }
}
