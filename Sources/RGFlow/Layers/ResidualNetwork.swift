// The s and t networks of the RealNVP coupling: weight-normed residual MLP blocks.

import Autograd
import Foundation
import Tensor

/// The reference's `ResNet`: residual blocks of Swish + weight-normed linear layers on
/// `[rows, width]`, then a zero-initialised ``Scale``, then tanh for s networks.
///
/// With widths `[W] + [hidden] * hiddenLayers + [W]`, each residual block applies, for
/// consecutive widths (a, b), Swish(a) then WeightNormLinear(a → b), and the block output is
/// `(x + f(x)) / √2`. State-dict names: `res_blocks.{r}.{2i}.scale` (Swish β),
/// `res_blocks.{r}.{2i+1}.{weight_v, weight_g, bias}`, `scale.scale`.
public final class ResidualNetwork<Scalar: TensorScalar>: ParameterContainer {
    /// Per residual block, the (Swish, linear) pairs in order.
    public let blocks: [[(activation: Swish<Scalar>, linear: WeightNormLinear<Scalar>)]]
    /// The final zero-initialised scale.
    public let scale: Scale<Scalar>
    /// Whether tanh is applied last (s networks).
    public let appliesTanh: Bool

    /// Builds the network with the reference's initialisation.
    public init(width: Int, hidden: Int, hiddenLayers: Int, residualBlocks: Int, appliesTanh: Bool,
                using generator: inout TensorRandomGenerator) {
        let widths = [width] + Array(repeating: hidden, count: hiddenLayers) + [width]
        var blocks: [[(activation: Swish<Scalar>, linear: WeightNormLinear<Scalar>)]] = []
        for _ in 0..<residualBlocks {
            var pairs: [(activation: Swish<Scalar>, linear: WeightNormLinear<Scalar>)] = []
            for index in 0..<(widths.count - 1) {
                pairs.append((Swish(features: widths[index]),
                              WeightNormLinear(inputs: widths[index], outputs: widths[index + 1], using: &generator)))
            }
            blocks.append(pairs)
        }
        self.blocks = blocks
        self.scale = Scale(features: width)
        self.appliesTanh = appliesTanh
    }

    /// Whether ``callAsFunction(_:)`` records the network as one fused operation (the default)
    /// or layer by layer on the tape (the reference for the fused one's tests).
    public var usesFusedPass = true

    /// Applies the network to `[rows, width]`.
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        usesFusedPass && input.shape.count == 2 ? fusedForward(input, weights: effectiveWeights()) : taped(input)
    }

    /// Applies the network to `[rows, width]` with its linear layers' effective weights
    /// computed beforehand by ``effectiveWeights()``: a coupling applies each network twice per
    /// pass (once per half-step), and the weight normalisation then runs once, not twice.
    public func callAsFunction(_ input: Variable<Scalar>, weights: [[Variable<Scalar>]]) -> Variable<Scalar> {
        usesFusedPass && input.shape.count == 2 ? fusedForward(input, weights: weights) : taped(input)
    }

    /// Each linear layer's effective weight ``WeightNormLinear/weight``, per residual block.
    public func effectiveWeights() -> [[Variable<Scalar>]] {
        blocks.map { block in block.map(\.linear.weight) }
    }

    /// The network layer by layer through the tape.
    func taped(_ input: Variable<Scalar>) -> Variable<Scalar> {
        var x = input
        let shortcutScale = Scalar(0.5).squareRoot()
        for block in blocks {
            var y = x
            for pair in block { y = pair.linear(pair.activation(y)) }
            x = (x + y) * shortcutScale
        }
        let scaled = scale(x)
        let output = appliesTanh ? scaled.tanh() : scaled
        ActivationProbe.report(appliesTanh ? "s network" : "t network", self, input: input.value, output: output.value)
        return output
    }

    /// The state-dict entries under the reference's names.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        residualBlockParameters(blocks) + prefixed("scale", scale.namedParameters)
    }

    /// `scale.saved_mean`, `scale.saved_var`.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] { prefixed("scale", scale.namedBuffers) }
}
