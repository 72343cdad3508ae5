// AdamW with PyTorch's semantics (Loshchilov & Hutter 2019): decoupled weight decay, bias
// correction, eps added to the corrected root second moment.

import Autograd
import Foundation
import Tensor

/// The AdamW optimiser, step for step as `torch.optim.AdamW` (amsgrad off):
///
///     p ← p (1 - lr λ)
///     m ← β₁ m + (1 - β₁) g,   v ← β₂ v + (1 - β₂) g²
///     p ← p - (lr / (1 - β₁ᵗ)) · m / (√v / √(1 - β₂ᵗ) + ε)
///
/// Parameters without a gradient in a step are left alone (their moments too), as PyTorch
/// skips parameters whose `grad` is None.
public final class AdamW<Scalar: TensorScalar> {
    /// The learning rate.
    public var learningRate: Double
    /// β₁, β₂.
    public var betas: (Double, Double)
    /// ε.
    public var epsilon: Double
    /// The decoupled weight decay λ.
    public var weightDecay: Double
    /// The parameters, in a fixed order (their state is stored in this order).
    public let parameters: [Parameter<Scalar>]
    /// Steps taken so far (t of the bias correction).
    public private(set) var step = 0
    /// First and second moments per parameter (nil until its first gradient).
    public private(set) var firstMoments: [Tensor<Scalar>?]
    /// Second moments per parameter.
    public private(set) var secondMoments: [Tensor<Scalar>?]

    /// An optimiser over `parameters` with PyTorch's defaults except where given.
    public init(parameters: [Parameter<Scalar>], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                epsilon: Double = 1e-8, weightDecay: Double = 1e-2) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoments = Array(repeating: nil, count: parameters.count)
        secondMoments = Array(repeating: nil, count: parameters.count)
    }

    /// One update of every parameter that has a gradient, each in one fused in-place pass
    /// (``Tensor/adamWUpdate(_:gradient:firstMoment:secondMoment:coefficients:)``, the
    /// formula above bit for bit).
    public func update() {
        step += 1
        let coefficients = AdamWCoefficients<Scalar>(learningRate: learningRate, betas: betas, epsilon: epsilon,
                                                     weightDecay: weightDecay, step: step)
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.gradient else { continue }
            if firstMoments[index] == nil { firstMoments[index] = .zeros(gradient.shape) }
            if secondMoments[index] == nil { secondMoments[index] = .zeros(gradient.shape) }
            Tensor.adamWUpdate(&parameter.value, gradient: gradient, firstMoment: &firstMoments[index]!,
                               secondMoment: &secondMoments[index]!, coefficients: coefficients)
        }
    }

    /// Restores the optimiser state (from a checkpoint).
    ///
    /// - Throws: ``StateDictError`` when the moments do not match the parameters' shapes.
    public func restore(step: Int, firstMoments: [Tensor<Scalar>?], secondMoments: [Tensor<Scalar>?]) throws(StateDictError) {
        var problems: [String] = []
        if firstMoments.count != parameters.count || secondMoments.count != parameters.count {
            problems.append("optimiser state has \(firstMoments.count) moments for \(parameters.count) parameters")
        } else {
            for (index, parameter) in parameters.enumerated() {
                for moment in [firstMoments[index], secondMoments[index]] {
                    if let moment, moment.shape != parameter.value.shape {
                        problems.append("moment \(index) has shape \(moment.shape), the parameter \(parameter.value.shape)")
                    }
                }
            }
        }
        guard problems.isEmpty else { throw StateDictError(problems: problems) }
        self.step = step
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }
}

/// Scales all gradients together so their global L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`: coefficient maxNorm / (norm + 1e-6), applied only when
/// below 1.
///
/// - Returns: the global norm before clipping (a NaN or infinite norm is returned as is and
///   nothing is scaled, so the caller can stop the run).
@discardableResult
public func clipGradientNorm<Scalar: TensorScalar>(_ parameters: [Parameter<Scalar>], maxNorm: Double) -> Double {
    let squares = parameters.compactMap { $0.gradient.map { Double($0.squared().sum().scalar) } }
    let norm = squares.reduce(0, +).squareRoot()
    guard norm.isFinite else { return norm }
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        for parameter in parameters { parameter.gradient = parameter.gradient.map { $0 * Scalar(coefficient) } }
    }
    return norm
}
