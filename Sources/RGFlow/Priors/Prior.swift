// The base-distribution protocol: an elementwise log-density and a sampler with a temperature.

import Autograd
import Tensor

/// A factorised base distribution for the latent variables.
///
/// A prior gives the log-density of each element, built from differentiable ``Variable``
/// operations (so it needs no derivative rule of its own), and draws samples at a
/// temperature T that scales its spread (T = 1 is the trained model). ``logProb(_:)`` sums
/// the elementwise densities over every axis but the first.
///
/// Adding a prior is one type with two methods; verify its gradient with
/// `checkGradients(of:at:options:)` through ``logProb(_:)``. See ``StudentTPrior`` for a worked
/// example and the README's "Adding a prior".
public protocol Prior<Scalar>: ParameterContainer {
    /// log p(z) for each element of `z` (same shape as `z`).
    func logDensity(_ z: Variable<Scalar>) -> Variable<Scalar>
    /// Samples of `shape` at `temperature`.
    func sample(_ shape: [Int], temperature: Scalar, using generator: inout TensorRandomGenerator) -> Tensor<Scalar>
}

extension Prior {
    /// The log-density of each sample: `logDensity` summed over all axes but the first,
    /// `[batch, …]` → `[batch]`.
    public func logProb(_ z: Variable<Scalar>) -> Variable<Scalar> {
        precondition(z.shape.count >= 1, "Prior.logProb: needs a batch axis, got shape \(z.shape)")
        let elementwise = logDensity(z)
        precondition(elementwise.shape == z.shape,
                     "Prior.logDensity returned shape \(elementwise.shape) for input \(z.shape): it must be elementwise")
        return z.shape.count == 1 ? elementwise : elementwise.sum(axes: Array(1..<z.shape.count))
    }

    /// No trainable parameters by default.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [] }
}
