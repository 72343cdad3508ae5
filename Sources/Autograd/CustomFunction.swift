// User-defined differentiable functions: a value and a hand-written pullback.

import Tensor

extension Variable {
    /// Records a differentiable function whose value the caller computed and whose derivative
    /// is given as a pullback (as `torch.autograd.Function`): `pullback(g)` returns one
    /// gradient per input, of that input's shape, or nil where none flows.
    ///
    /// Check a hand-written pullback with ``checkGradients(of:at:options:)``.
    ///
    /// - Parameters:
    ///   - inputs: the operands the value depends on.
    ///   - value: the function's value at `inputs`.
    ///   - pullback: maps the upstream gradient (shape of `value`) to input gradients.
    public static func custom(
        _ inputs: [Variable], value: Tensor<Scalar>, pullback: @escaping (Tensor<Scalar>) -> [Tensor<Scalar>?]
    ) -> Variable {
        guard GradientMode.isRecording, inputs.contains(where: \.requiresGradient) else { return Variable(value) }
        return Variable(value: value, node: Node(customPullback: pullback, inputs: inputs, result: value))
    }
}
