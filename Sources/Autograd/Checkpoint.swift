// Recomputation in backward ("gradient checkpointing"): trade compute for activation memory.

import Tensor

/// Runs `body` without keeping its intermediate values, and recomputes them when the
/// gradient is needed.
///
/// The forward pass runs `body` with recording off, so only the inputs and the output are
/// kept; backward runs `body` again with recording on and back-propagates through that copy.
/// Parameters used inside `body` receive their gradients during that inner pass. The
/// reference RG-Flow recomputes its subnetworks this way to fit larger batches; the result is
/// identical, the cost one more forward pass of `body`.
///
/// - Parameters:
///   - inputs: the variables `body` reads that may need gradients.
///   - body: a deterministic function of `inputs` (and of parameters it captures).
public func checkpointed<Scalar: TensorScalar>(
    _ inputs: [Variable<Scalar>], _ body: @escaping ([Variable<Scalar>]) -> Variable<Scalar>
) -> Variable<Scalar> {
    let output = GradientMode.withoutGradients { body(inputs.map { Variable($0.value) }) }
    guard GradientMode.isRecording else { return output }
    let values = inputs.map(\.value)
    let needs = inputs.map(\.requiresGradient)
    let pullback: (Tensor<Scalar>) -> [Tensor<Scalar>?] = { gradient in
        GradientMode.withGradients {
            let leaves = zip(values, needs).map { Variable($0, requiresGradient: $1) }
            body(leaves).backward(seed: gradient)
            return leaves.map { $0.gradient }
        }
    }
    return Variable(value: output.value, node: Node(customPullback: pullback, inputs: inputs, result: output.value))
}
