// The worked example of a user-defined prior: Student's t, heavier-tailed than both shipped.

import Autograd
import Foundation
import Tensor

/// Student's t with ν degrees of freedom and scale σ:
///
///     log p(z) = ln Γ((ν+1)/2) - ln Γ(ν/2) - ½ ln(ν π σ²) - (ν+1)/2 · ln(1 + z²/(ν σ²))
///
/// Sampling: z = σ T · g / √(w/ν) with g ~ N(0, 1) and w ~ χ²_ν = 2 · Gamma(ν/2), the gamma
/// drawn by Marsaglia and Tsang's method. This file is the README's example of adding a prior:
/// a density from differentiable operations, a sampler, and the options that register it as
/// `studentt` (one line in ``ComponentRegistry``).
public struct StudentTPrior<Scalar: TensorScalar>: Prior, Sendable {
    /// Degrees of freedom ν > 0.
    public var degreesOfFreedom: Double
    /// Scale σ at temperature 1.
    public var scale: Double

    /// A Student's t prior (ν = 5, σ = 1 by default).
    public init(degreesOfFreedom: Double = 5, scale: Double = 1) {
        precondition(degreesOfFreedom > 0 && scale > 0, "StudentTPrior: ν and σ must be positive")
        self.degreesOfFreedom = degreesOfFreedom
        self.scale = scale
    }

    /// The elementwise log-density.
    public func logDensity(_ z: Variable<Scalar>) -> Variable<Scalar> {
        let nu = degreesOfFreedom
        let constant = lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * Foundation.log(nu * Double.pi * scale * scale)
        return (z.squared() * Scalar(1 / (nu * scale * scale))).log1p() * Scalar(-(nu + 1) / 2) + Scalar(constant)
    }

    /// Samples at temperature T (scale σ T).
    public func sample(_ shape: [Int], temperature: Scalar, using generator: inout TensorRandomGenerator) -> Tensor<Scalar> {
        let normal = Tensor<Double>.normal(shape, using: &generator).scalars
        let values = normal.map { g -> Double in
            let chiSquare = 2 * StudentTPrior.gamma(shape: degreesOfFreedom / 2, using: &generator)
            return scale * Double(temperature) * g / (chiSquare / degreesOfFreedom).squareRoot()
        }
        return Tensor<Double>(shape: shape, scalars: values).converted(to: Scalar.self)
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000); shapes below 1 via the boost
    /// Gamma(a) = Gamma(a + 1) · U^(1/a).
    static func gamma(shape: Double, using generator: inout TensorRandomGenerator) -> Double {
        if shape < 1 {
            let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            return gamma(shape: shape + 1, using: &generator) * Foundation.pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = Tensor<Double>.normal([1], using: &generator).scalar
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            if Foundation.log(u) < 0.5 * x * x + d - d * v + d * Foundation.log(v) { return d * v }
        }
    }

    /// No buffers.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] { [] }
}

/// The registry entry `studentt`: `--prior studentt --prior_options nu=3,scale=1`.
public struct StudentTPriorOptions: PriorOptions {
    /// `studentt`.
    public static let name = "studentt"
    /// For `--help`.
    public static let summary = "Student's t, heavier-tailed than Laplace (scale sigma T)"
    /// Per option, for `--help`.
    public static let optionHelp = ["nu": "degrees of freedom, > 0", "scale": "sigma at T = 1, > 0"]

    /// Degrees of freedom ν.
    public var nu = 5.0
    /// Scale σ at temperature 1.
    public var scale = 1.0

    /// ν = 5, σ = 1.
    public init() {}

    /// Both must be positive and finite.
    public func validate() throws {
        guard nu > 0, nu.isFinite else { throw ConfigurationError("prior studentt: nu must be positive, got \(nu)") }
        guard scale > 0, scale.isFinite else { throw ConfigurationError("prior studentt: scale must be positive, got \(scale)") }
    }

    /// A ``StudentTPrior`` with these options.
    public func makePrior<Scalar: TensorScalar>(for latents: LatentLevels, as _: Scalar.Type) -> any Prior<Scalar> {
        StudentTPrior<Scalar>(degreesOfFreedom: nu, scale: scale)
    }
}
