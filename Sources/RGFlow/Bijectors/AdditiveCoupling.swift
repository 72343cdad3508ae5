// The additive (volume-preserving) coupling of NICE (Dinh et al. 2015) on one K x K block:
// the README's worked example of adding a coupling in one file.

import Autograd
import Tensor

/// Additive coupling on blocks `[N, C, K, K]` with checkerboard masks: for each translation
/// network t_k, two half-steps, first with (mask, inv) = (left, right), then (right, left):
///
///     m = mask ⊙ x,   x ← m + inv ⊙ (x + t_k(m)),   log|det| = 0
///
/// Each half-step shifts the unmasked positions by a function of the masked ones, so its
/// Jacobian is unit triangular and the flow preserves volume exactly. The inverse runs the
/// pairs in reverse, each pair's (right, left) half-step first: x = m + inv ⊙ (z - t_k(m)).
/// State-dict names `mask_left`, `mask_right` (buffers) and `t_layers.k.…` (``ResidualNetwork``).
public final class AdditiveCoupling<Scalar: TensorScalar>: Coupling {
    /// The translation networks, one per pair.
    public let translationNetworks: [ResidualNetwork<Scalar>]
    /// Recompute the networks' activations in backward instead of keeping them.
    public var recomputesActivations = false
    private let left, right: Tensor<Scalar>
    private let blockShape: [Int]

    /// A coupling for blocks of the layer's settings, with `pairs` translation networks.
    public init(layer: CouplingLayerSettings, using generator: inout TensorRandomGenerator) {
        let width = layer.channels * layer.kernelSize * layer.kernelSize
        (left, right) = checkerboardMasks(channels: layer.channels, kernelSize: layer.kernelSize)
        blockShape = [layer.channels, layer.kernelSize, layer.kernelSize]
        translationNetworks = (0..<layer.pairs).map { _ in
            ResidualNetwork(width: width, hidden: layer.hiddenWidth, hiddenLayers: layer.hiddenLayers,
                            residualBlocks: layer.residualBlocks, appliesTanh: false, using: &generator)
        }
    }

    private func shift(_ x: Variable<Scalar>, pair: Int, mask: Tensor<Scalar>, inverseMask: Tensor<Scalar>,
                       sign: Scalar) -> Variable<Scalar> {
        let network = translationNetworks[pair]
        let conditioner = x * mask
        let t = recomputesActivations ? checkpointed([conditioner]) { network($0[0]) } : network(conditioner)
        return conditioner + (x + t * sign) * inverseMask
    }

    /// Transforms blocks `[N, C, K, K]`; logDet `[N]`, exactly zero.
    public func forward(_ x: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>) {
        var y = x.reshaped([x.shape[0], left.scalarCount])
        for pair in translationNetworks.indices {
            y = shift(y, pair: pair, mask: left, inverseMask: right, sign: 1)
            y = shift(y, pair: pair, mask: right, inverseMask: left, sign: 1)
        }
        return (y.reshaped(x.shape), Variable(.zeros([x.shape[0]])))
    }

    /// Inverts blocks `[N, C, K, K]`; logDet `[N]`, exactly zero.
    public func inverse(_ z: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>) {
        var x = z.reshaped([z.shape[0], left.scalarCount])
        for pair in translationNetworks.indices.reversed() {
            x = shift(x, pair: pair, mask: right, inverseMask: left, sign: -1)
            x = shift(x, pair: pair, mask: left, inverseMask: right, sign: -1)
        }
        return (x.reshaped(z.shape), Variable(.zeros([z.shape[0]])))
    }

    /// As RealNVP's: two half-steps per pair, reversed for the inverse.
    public func dependencies(inverting: Bool) -> BlockDependencies? {
        let pair = [halfStepDependencies(conditioning: left), halfStepDependencies(conditioning: right)]
        let steps = Array(repeating: pair, count: translationNetworks.count).flatMap { $0 }
        return .composing(inverting ? steps.reversed() : steps, width: left.scalarCount)
    }

    /// `t_layers.k.…`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        translationNetworks.enumerated().flatMap { prefixed("t_layers.\($0.offset)", $0.element.namedParameters) }
    }

    /// The masks and the networks' buffers.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] {
        [("mask_left", left.reshaped(blockShape)), ("mask_right", right.reshaped(blockShape))]
            + translationNetworks.enumerated().flatMap { prefixed("t_layers.\($0.offset)", $0.element.namedBuffers) }
    }
}

/// The registry entry `additive`: `--subnet additive`.
public struct AdditiveCouplingOptions: CouplingOptions {
    /// `additive`.
    public static let name = "additive"
    /// For `--help`.
    public static let summary = "additive (volume-preserving, NICE) coupling: log|det| = 0"

    /// No options.
    public init() {}

    /// An ``AdditiveCoupling`` for the layer.
    public func makeCoupling<Scalar: TensorScalar>(for layer: CouplingLayerSettings, as _: Scalar.Type,
                                                   using generator: inout TensorRandomGenerator) -> any Coupling<Scalar> {
        AdditiveCoupling<Scalar>(layer: layer, using: &generator)
    }
}
