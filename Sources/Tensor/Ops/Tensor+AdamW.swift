// The optimiser's update as a tensor operation: one fused pass, in place.

import Foundation

/// The per-step constants of an AdamW update, each rounded to the scalar type once, as the
/// update's tensor expression rounds them.
public struct AdamWCoefficients<Scalar: TensorScalar>: Sendable {
    /// β₁ and 1 - β₁.
    public let beta1, oneMinusBeta1: Scalar
    /// β₂ and 1 - β₂.
    public let beta2, oneMinusBeta2: Scalar
    /// The decoupled weight decay factor 1 - lr λ.
    public let decay: Scalar
    /// √(1 - β₂ᵗ), the second moment's bias correction under the root.
    public let rootCorrection2: Scalar
    /// ε, added to the corrected root second moment.
    public let epsilon: Scalar
    /// lr / (1 - β₁ᵗ), the step with the first moment's bias correction.
    public let stepSize: Scalar

    /// The constants of step `step` (counting from 1) with PyTorch's AdamW semantics.
    public init(learningRate: Double, betas: (Double, Double), epsilon: Double, weightDecay: Double, step: Int) {
        let (beta1, beta2) = betas
        self.beta1 = Scalar(beta1)
        oneMinusBeta1 = Scalar(1 - beta1)
        self.beta2 = Scalar(beta2)
        oneMinusBeta2 = Scalar(1 - beta2)
        decay = Scalar(1 - learningRate * weightDecay)
        rootCorrection2 = Scalar((1 - Foundation.pow(beta2, Double(step))).squareRoot())
        self.epsilon = Scalar(epsilon)
        stepSize = Scalar(learningRate / (1 - Foundation.pow(beta1, Double(step))))
    }
}

extension Tensor {
    /// One AdamW step of `parameter` from `gradient`, updating the moments, all in one pass
    /// and in place (``OptimizerKernels``): the result is the tensor expression's bit for bit.
    ///
    /// - Parameters:
    ///   - parameter: the values to update; any shape.
    ///   - gradient: its gradient, the same shape.
    ///   - firstMoment: m, the same shape (zeros before the first step).
    ///   - secondMoment: v, the same shape (zeros before the first step).
    public static func adamWUpdate(_ parameter: inout Tensor, gradient: Tensor, firstMoment: inout Tensor,
                                   secondMoment: inout Tensor, coefficients: AdamWCoefficients<Scalar>) {
        precondition(gradient.shape == parameter.shape && firstMoment.shape == parameter.shape
                     && secondMoment.shape == parameter.shape,
                     "adamWUpdate: parameter \(parameter.shape), gradient \(gradient.shape), "
                     + "moments \(firstMoment.shape), \(secondMoment.shape)")
        let gradient = gradient.contiguous()
        parameter.makeUniqueContiguous()
        firstMoment.makeUniqueContiguous()
        secondMoment.makeUniqueContiguous()
        withExtendedLifetime(gradient) {
            Scalar.kernels.adamW(parameter.scalarCount, coefficients, UnsafePointer(gradient.basePointer),
                                 parameter.basePointer, firstMoment.basePointer, secondMoment.basePointer)
        }
    }
}
