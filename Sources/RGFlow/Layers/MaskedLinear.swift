// The masked dense layer of the autoregressive coupling (MADE-style, over block positions).

import Autograd
import Tensor

/// A dense layer `y = x (W ⊙ M)ᵀ + b` from `inputChannels · P` to `outputChannels · P`
/// features, P = K² positions, feature index = channel · P + position.
///
/// The mask M lets output position p see input positions < p (`exclusive`, the first layer of
/// a block) or ≤ p (later layers), for every channel pair, which makes the network's output at
/// p a function of the inputs at positions before p. State-dict names `weight`, `bias` and the
/// buffer `mask`.
public final class MaskedLinear<Scalar: TensorScalar>: ParameterContainer {
    /// W, `[outputs, inputs]`.
    public let weight: Parameter<Scalar>
    /// b, `[outputs]`.
    public let bias: Parameter<Scalar>
    /// M, `[outputs, inputs]`, 0 or 1.
    public let mask: Tensor<Scalar>

    /// The position mask tiled over channels.
    static func makeMask(inputChannels: Int, outputChannels: Int, positions: Int, exclusive: Bool) -> Tensor<Scalar> {
        let inputs = inputChannels * positions, outputs = outputChannels * positions
        var values = [Scalar](repeating: 0, count: outputs * inputs)
        for output in 0..<outputs {
            for input in 0..<inputs {
                let p = output % positions, q = input % positions
                if exclusive ? q < p : q <= p { values[output * inputs + input] = 1 }
            }
        }
        return Tensor(shape: [outputs, inputs], scalars: values)
    }

    /// The reference's initialisation: W ~ U(-bound, bound), bound = √(2.81 · 3 / inputs), then
    /// each weight times √((M + 1e-7) / (rowmean(M) + 1e-7)) so every row keeps its variance;
    /// b = 0.
    public init(inputChannels: Int, outputChannels: Int, positions: Int, exclusive: Bool,
                using generator: inout TensorRandomGenerator) {
        let inputs = inputChannels * positions, outputs = outputChannels * positions
        mask = MaskedLinear.makeMask(inputChannels: inputChannels, outputChannels: outputChannels,
                                     positions: positions, exclusive: exclusive)
        let bound = Scalar((2.81 * 3 / Double(inputs)).squareRoot())
        let uniform = Tensor<Scalar>.uniform([outputs, inputs], low: -bound, high: bound, using: &generator)
        let epsilon = Scalar(1e-7)
        let rowMean = mask.mean(axes: [1], keepingDimensions: true)
        weight = Parameter(uniform * ((mask + epsilon) / (rowMean + epsilon)).squareRoot())
        bias = Parameter(.zeros([outputs]))
    }

    /// Applies the layer to `[rows, inputs]`.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> {
        Variable.matmul(x, weight.variable * mask, transposingB: true, bias: bias.variable)
    }

    /// `bias`, `weight`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [("bias", bias), ("weight", weight)] }

    /// `mask`.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] { [("mask", mask)] }
}
