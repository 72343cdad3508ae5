// A linear layer with weight normalisation (Salimans & Kingma, 2016).

import Autograd
import Foundation
import Tensor

/// `y = x Wᵀ + b` with `W = g · v / ‖v‖`, the norm taken over each output row.
///
/// Shapes: x `[rows, inputs]`, v `[outputs, inputs]`, g `[outputs, 1]`, b `[outputs]`. State-dict
/// names `weight_v`, `weight_g`, `bias` (PyTorch's `weight_norm` on a `Linear`).
public final class WeightNormLinear<Scalar: TensorScalar>: ParameterContainer {
    /// The direction v, `[outputs, inputs]`.
    public let direction: Parameter<Scalar>
    /// The row lengths g, `[outputs, 1]`.
    public let magnitude: Parameter<Scalar>
    /// The bias, `[outputs]`.
    public let bias: Parameter<Scalar>

    /// The reference's initialisation: v ~ U(-bound, bound) with bound = √(2.81 · 3 / inputs)
    /// (2.81 being Swish's gain), g = ‖v‖ per row (so W = v at the start), b = 0.
    public init(inputs: Int, outputs: Int, using generator: inout TensorRandomGenerator) {
        let bound = Scalar((2.81 * 3 / Double(inputs)).squareRoot())
        let v = Tensor<Scalar>.uniform([outputs, inputs], low: -bound, high: bound, using: &generator)
        direction = Parameter(v)
        magnitude = Parameter(v.norm(axes: [1], keepingDimensions: true))
        bias = Parameter(.zeros([outputs]))
    }

    /// The effective weight g · v / ‖v‖, `[outputs, inputs]`.
    ///
    /// Recorded as one node: on the tape the formula took five nodes and a dozen backward
    /// passes, for every use of every linear layer in every step.
    public var weight: Variable<Scalar> {
        let g = magnitude.variable, v = direction.variable
        let gValue = g.value, vValue = v.value
        let norms = vValue.norm(axes: [1], keepingDimensions: true)  // [outputs, 1]
        // Evaluated as the formula reads, (g · v) / ‖v‖, so the values are the tape's.
        return Variable.custom([g, v], value: gValue * vValue / norms) { upstream in
            // With p = Σ_j dW_ij v_ij per row i: dg = p / ‖v‖, dv = (g / ‖v‖) (dW − v p / ‖v‖²).
            let projection = (upstream * vValue).sum(axes: [1], keepingDimensions: true)
            let dg = projection / norms
            let dv = (gValue / norms) * (upstream - vValue * (projection / (norms * norms)))
            return [dg, dv]
        }
    }

    /// Applies the layer to `[rows, inputs]`, giving `[rows, outputs]`.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> {
        Variable.matmul(x, weight, transposingB: true, bias: bias.variable)
    }

    /// `bias`, `weight_g`, `weight_v`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        [("bias", bias), ("weight_g", magnitude), ("weight_v", direction)]
    }
}
