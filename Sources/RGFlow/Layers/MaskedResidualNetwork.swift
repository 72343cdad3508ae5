// The s and t networks of the autoregressive coupling: residual blocks of masked layers.

import Autograd
import Foundation
import Tensor

/// The reference's `MaskedResNet` with one correction (DESIGN, "Autoregressive coupling
/// block"): the first residual block has no identity shortcut.
///
/// Channels `[C] + [hidden / K²] * hiddenLayers + [C]` over P = K² positions; each block applies
/// Swish then ``MaskedLinear`` for consecutive channel counts, the first linear of a block
/// exclusive. The reference's first shortcut passes x[p] straight into s[p] and t[p], so its
/// flow is not autoregressive and Σ s is not its log-determinant; dropping it keeps every
/// parameter name and makes s[p], t[p] depend on positions < p only.
public final class MaskedResidualNetwork<Scalar: TensorScalar>: ParameterContainer {
    /// Per residual block, the (Swish, masked linear) pairs in order.
    public let blocks: [[(activation: Swish<Scalar>, linear: MaskedLinear<Scalar>)]]
    /// The final zero-initialised scale.
    public let scale: Scale<Scalar>
    /// Whether tanh is applied last (s networks).
    public let appliesTanh: Bool

    /// Builds the network with the reference's initialisation.
    public init(channels: Int, positions: Int, hidden: Int, hiddenLayers: Int, residualBlocks: Int,
                appliesTanh: Bool, using generator: inout TensorRandomGenerator) {
        let channelCounts = [channels] + Array(repeating: hidden / positions, count: hiddenLayers) + [channels]
        var blocks: [[(activation: Swish<Scalar>, linear: MaskedLinear<Scalar>)]] = []
        for _ in 0..<residualBlocks {
            var pairs: [(activation: Swish<Scalar>, linear: MaskedLinear<Scalar>)] = []
            for index in 0..<(channelCounts.count - 1) {
                pairs.append((Swish(features: channelCounts[index] * positions),
                              MaskedLinear(inputChannels: channelCounts[index], outputChannels: channelCounts[index + 1],
                                           positions: positions, exclusive: index == 0, using: &generator)))
            }
            blocks.append(pairs)
        }
        self.blocks = blocks
        self.scale = Scale(features: channels * positions)
        self.appliesTanh = appliesTanh
    }

    /// Applies the network to `[rows, C · K²]`.
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        var x = input
        let shortcutScale = Scalar(0.5).squareRoot()
        for (index, block) in blocks.enumerated() {
            var y = x
            for pair in block { y = pair.linear(pair.activation(y)) }
            x = index == 0 ? y : (x + y) * shortcutScale
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

    /// The masks and the scale's statistics.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] {
        residualBlockBuffers(blocks) + prefixed("scale", scale.namedBuffers)
    }
}
