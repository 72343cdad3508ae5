// Parameters and buffers listed by the reference's state-dict names, without reflection.

import Autograd
import Tensor

/// A component that lists its trainable parameters and its buffers under the key names of
/// the reference PyTorch state dict, relative to the component (e.g. `weight_v`).
///
/// Containers compose by prefixing their children's names (`res_blocks.0.1.` + `weight_v`),
/// so the whole model's list is its state dict.
public protocol ParameterContainer {
    /// The scalar type of the parameters.
    associatedtype Scalar: TensorScalar
    /// Trainable parameters by state-dict name.
    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { get }
    /// Non-trainable tensors of the state dict (masks, the prior's scale, debug statistics).
    var namedBuffers: [(name: String, value: Tensor<Scalar>)] { get }
}

extension ParameterContainer {
    /// No buffers by default.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] { [] }

    /// The parameters alone, in state-dict order.
    public var parameters: [Parameter<Scalar>] { namedParameters.map(\.parameter) }
}

/// `prefix.name` for each entry, composing containers.
func prefixed<Scalar>(_ prefix: String, _ entries: [(name: String, parameter: Parameter<Scalar>)])
    -> [(name: String, parameter: Parameter<Scalar>)] {
    entries.map { (name: prefix + "." + $0.name, parameter: $0.parameter) }
}

/// `prefix.name` for each buffer.
func prefixed<Scalar>(_ prefix: String, _ entries: [(name: String, value: Tensor<Scalar>)])
    -> [(name: String, value: Tensor<Scalar>)] {
    entries.map { (name: prefix + "." + $0.name, value: $0.value) }
}

/// The state-dict entries of residual blocks of (Swish, linear) pairs: the reference names
/// pair i of block r `res_blocks.{r}.{2i}` (the Swish) and `res_blocks.{r}.{2i+1}` (the linear).
func residualBlockParameters<Scalar, Linear: ParameterContainer>(
    _ blocks: [[(activation: Swish<Scalar>, linear: Linear)]]
) -> [(name: String, parameter: Parameter<Scalar>)] where Linear.Scalar == Scalar {
    blocks.enumerated().flatMap { blockIndex, block in
        block.enumerated().flatMap { pairIndex, pair in
            prefixed("res_blocks.\(blockIndex).\(2 * pairIndex)", pair.activation.namedParameters)
                + prefixed("res_blocks.\(blockIndex).\(2 * pairIndex + 1)", pair.linear.namedParameters)
        }
    }
}

/// The buffers of the linear layers of residual blocks, named as ``residualBlockParameters(_:)``.
func residualBlockBuffers<Scalar, Linear: ParameterContainer>(
    _ blocks: [[(activation: Swish<Scalar>, linear: Linear)]]
) -> [(name: String, value: Tensor<Scalar>)] where Linear.Scalar == Scalar {
    blocks.enumerated().flatMap { blockIndex, block in
        block.enumerated().flatMap { pairIndex, pair in
            prefixed("res_blocks.\(blockIndex).\(2 * pairIndex + 1)", pair.linear.namedBuffers)
        }
    }
}
