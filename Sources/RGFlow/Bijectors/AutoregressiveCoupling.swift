// The autoregressive affine coupling of one K x K block, with an inverse that really inverts.

import Autograd
import Foundation
import Tensor

/// Autoregressive affine coupling on blocks `[N, C, K, K]` over the K² positions (all channels
/// of a position together): for each pair (s_k, t_k) of ``MaskedResidualNetwork``s,
///
///     s = s_k(x), t = t_k(x), x ← x ⊙ exp(s) + t,  log|det| += Σ s
///
/// where s[p], t[p] depend on positions < p only, so the Jacobian is triangular.
///
/// The inverse solves position by position (K² passes per pair, pairs in reverse): from x = 0,
/// for p = 0 ..< K², compute s, t from the current x and set x[p] = (y[p] - t[p]) exp(-s[p]).
/// (The reference's inverse calls forward, which is not an inverse.)
public final class AutoregressiveCoupling<Scalar: TensorScalar>: Coupling {
    /// The s networks (with tanh), one per pair.
    public let scaleNetworks: [MaskedResidualNetwork<Scalar>]
    /// The t networks, one per pair.
    public let translationNetworks: [MaskedResidualNetwork<Scalar>]
    /// Recompute subnet activations in backward instead of keeping them (forward pass only;
    /// the inverse records nothing worth keeping).
    public var recomputesActivations = false
    let channels, positions: Int
    /// `[C · K²]` masks selecting one position of every channel.
    private let positionMasks: [Tensor<Scalar>]

    /// A coupling for `channels` x `kernelSize`² blocks with `pairs` (s, t) network pairs.
    public init(channels: Int, kernelSize: Int, pairs: Int, hidden: Int, hiddenLayers: Int, residualBlocks: Int,
                using generator: inout TensorRandomGenerator) {
        self.channels = channels
        positions = kernelSize * kernelSize
        let positions = positions
        var scales: [MaskedResidualNetwork<Scalar>] = [], translations: [MaskedResidualNetwork<Scalar>] = []
        for _ in 0..<pairs {
            scales.append(MaskedResidualNetwork(channels: channels, positions: positions, hidden: hidden,
                                                hiddenLayers: hiddenLayers, residualBlocks: residualBlocks,
                                                appliesTanh: true, using: &generator))
            translations.append(MaskedResidualNetwork(channels: channels, positions: positions, hidden: hidden,
                                                      hiddenLayers: hiddenLayers, residualBlocks: residualBlocks,
                                                      appliesTanh: false, using: &generator))
        }
        scaleNetworks = scales
        translationNetworks = translations
        positionMasks = (0..<positions).map { p in
            Tensor(shape: [channels * positions], scalars: (0..<channels * positions).map { $0 % positions == p ? 1 : 0 })
        }
    }

    private func evaluate(_ network: MaskedResidualNetwork<Scalar>, _ input: Variable<Scalar>) -> Variable<Scalar> {
        recomputesActivations ? checkpointed([input]) { network($0[0]) } : network(input)
    }

    /// Transforms blocks `[N, C, K, K]`; logDet `[N]`.
    public func forward(_ x: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>) {
        let shape = x.shape
        var y = x.reshaped([shape[0], channels * positions])
        var logDet = Variable(Tensor<Scalar>.zeros([shape[0]]))
        for pair in scaleNetworks.indices {
            let s = evaluate(scaleNetworks[pair], y), t = evaluate(translationNetworks[pair], y)
            y = y * s.exp() + t
            logDet = logDet + s.sum(axes: [1])
        }
        return (y.reshaped(shape), logDet)
    }

    /// Inverts blocks `[N, C, K, K]` position by position; logDet `[N]`.
    public func inverse(_ z: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>) {
        let shape = z.shape
        var y = z.reshaped([shape[0], channels * positions])
        var logDet = Variable(Tensor<Scalar>.zeros([shape[0]]))
        for pair in scaleNetworks.indices.reversed() {
            var x = Variable(Tensor<Scalar>.zeros(y.shape))
            for mask in positionMasks {
                // Position p of x is still 0 here, so adding writes it; s[p], t[p] read only
                // positions < p, which are final.
                let s = scaleNetworks[pair](x), t = translationNetworks[pair](x)
                x = x + (y - t) * (-s).exp() * mask
            }
            logDet = logDet - scaleNetworks[pair](x).sum(axes: [1])
            y = x
        }
        return (y.reshaped(shape), logDet)
    }

    /// Feature (c, p) depends on itself and on every channel of the earlier positions q < p,
    /// forward and inverse alike (the pairs compose to the same triangular pattern).
    public func dependencies(inverting: Bool) -> BlockDependencies? {
        BlockDependencies(width: channels * positions) { output, input in
            output == input || input % positions < output % positions
        }
    }

    /// `s_layers.k.…` then `t_layers.k.…`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        scaleNetworks.enumerated().flatMap { prefixed("s_layers.\($0.offset)", $0.element.namedParameters) }
            + translationNetworks.enumerated().flatMap { prefixed("t_layers.\($0.offset)", $0.element.namedParameters) }
    }

    /// The masked layers' masks and the scales' statistics.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] {
        scaleNetworks.enumerated().flatMap { prefixed("s_layers.\($0.offset)", $0.element.namedBuffers) }
            + translationNetworks.enumerated().flatMap { prefixed("t_layers.\($0.offset)", $0.element.namedBuffers) }
    }
}

/// The registry entry `ar`: the autoregressive coupling (no options; needs `--nhidden`
/// divisible by K²).
public struct AutoregressiveCouplingOptions: CouplingOptions {
    /// `ar`.
    public static let name = "ar"
    /// For `--help`.
    public static let summary = "autoregressive affine coupling over block positions (needs nhidden divisible by K^2)"

    /// No options.
    public init() {}

    /// The hidden width must split evenly over the K² positions.
    public func validate(_ layer: CouplingLayerSettings) throws {
        let positions = layer.kernelSize * layer.kernelSize
        guard layer.hiddenWidth % positions == 0 else {
            throw ConfigurationError("--subnet ar needs --nhidden divisible by kernel_size² = \(positions), got \(layer.hiddenWidth)")
        }
    }

    /// An ``AutoregressiveCoupling`` for the layer.
    public func makeCoupling<Scalar: TensorScalar>(for layer: CouplingLayerSettings, as _: Scalar.Type,
                                                   using generator: inout TensorRandomGenerator) -> any Coupling<Scalar> {
        AutoregressiveCoupling<Scalar>(channels: layer.channels, kernelSize: layer.kernelSize, pairs: layer.pairs,
                                       hidden: layer.hiddenWidth, hiddenLayers: layer.hiddenLayers,
                                       residualBlocks: layer.residualBlocks, using: &generator)
    }
}
