// Trainable parameters: a tensor that owns its gradient storage.

import Tensor

/// A trainable tensor and the gradient accumulated for it by ``Variable/backward(seed:retainingGraph:)``.
///
/// A parameter is a reference: a layer and the optimiser share it. Each use in a computation
/// goes through ``variable``, and every backward pass adds its contribution to ``gradient``
/// (so a parameter used twice gets the sum); call ``zeroGradient()`` between steps.
///
/// Thread safety: a parameter is mutated by the thread that trains with it; sharing it with
/// another thread while training is a data race, as with any model state.
public final class Parameter<Scalar: TensorScalar>: @unchecked Sendable {
    /// The current value.
    public var value: Tensor<Scalar>
    /// The accumulated gradient (same shape as `value`), or nil when none has arrived since the
    /// last ``zeroGradient()``.
    public var gradient: Tensor<Scalar>?

    /// Creates a parameter with an initial value.
    public init(_ value: Tensor<Scalar>) {
        self.value = value
    }

    /// A leaf variable bound to this parameter: gradients reaching it accumulate here.
    public var variable: Variable<Scalar> {
        Variable(value: value, node: Node(leafFor: self))
    }

    /// Drops the accumulated gradient.
    public func zeroGradient() {
        gradient = nil
    }

    /// Adds `contribution` to ``gradient``.
    func accumulate(_ contribution: Tensor<Scalar>) {
        precondition(contribution.shape == value.shape,
                     "Parameter: gradient of shape \(contribution.shape) for a value of shape \(value.shape)")
        gradient = gradient.map { $0 + contribution } ?? contribution.contiguous()
    }
}
