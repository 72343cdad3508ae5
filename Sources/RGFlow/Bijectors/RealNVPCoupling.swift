// The RealNVP affine coupling of one K x K block, with checkerboard masks (Dinh et al. 2017).

import Autograd
import Foundation
@_spi(AutogradKernels) import Tensor

/// Affine coupling on blocks `[N, C, K, K]` with checkerboard masks: for each of its pairs of
/// networks (s_k, t_k), two half-steps, first with (mask, inv) = (left, right), then
/// (right, left):
///
///     m = mask ⊙ x,  s = inv ⊙ s_k(m),  t = inv ⊙ t_k(m),
///     x ← m + inv ⊙ (x ⊙ exp(s) + t),   log|det| += Σ s
///
/// `left` is 1 where row and column have the same parity. The inverse runs the pairs in
/// reverse, each pair's (right, left) half-step first: x = m + inv ⊙ (z - t) ⊙ exp(-s).
/// State-dict names `mask_left`, `mask_right` (buffers), `s_layers.k.…`, `t_layers.k.…`.
public final class RealNVPCoupling<Scalar: TensorScalar>: Coupling {
    /// The s networks (with tanh), one per pair.
    public let scaleNetworks: [ResidualNetwork<Scalar>]
    /// The t networks, one per pair.
    public let translationNetworks: [ResidualNetwork<Scalar>]
    /// The checkerboard masks, `[C, K, K]`.
    public let leftMask, rightMask: Tensor<Scalar>
    /// Recompute subnet activations in backward instead of keeping them (less memory, one more
    /// forward pass of each subnet), as the reference does.
    public var recomputesActivations = false
    let channels, kernelSize: Int
    private let leftFlat, rightFlat: Tensor<Scalar>

    /// A coupling for `channels` x `kernelSize`² blocks with `pairs` (s, t) network pairs.
    public init(channels: Int, kernelSize: Int, pairs: Int, hidden: Int, hiddenLayers: Int, residualBlocks: Int,
                using generator: inout TensorRandomGenerator) {
        self.channels = channels
        self.kernelSize = kernelSize
        let width = channels * kernelSize * kernelSize
        (leftFlat, rightFlat) = checkerboardMasks(channels: channels, kernelSize: kernelSize)
        leftMask = leftFlat.reshaped([channels, kernelSize, kernelSize])
        rightMask = rightFlat.reshaped([channels, kernelSize, kernelSize])
        var scales: [ResidualNetwork<Scalar>] = [], translations: [ResidualNetwork<Scalar>] = []
        for _ in 0..<pairs {
            scales.append(ResidualNetwork(width: width, hidden: hidden, hiddenLayers: hiddenLayers,
                                          residualBlocks: residualBlocks, appliesTanh: true, using: &generator))
            translations.append(ResidualNetwork(width: width, hidden: hidden, hiddenLayers: hiddenLayers,
                                                residualBlocks: residualBlocks, appliesTanh: false, using: &generator))
        }
        scaleNetworks = scales
        translationNetworks = translations
    }

    /// The effective weights of pair `pair`'s s and t networks, computed once for its two
    /// half-steps.
    private typealias PairWeights = (scale: [[Variable<Scalar>]], translation: [[Variable<Scalar>]])

    private func weights(ofPair pair: Int) -> PairWeights {
        (scaleNetworks[pair].effectiveWeights(), translationNetworks[pair].effectiveWeights())
    }

    private func evaluate(_ network: ResidualNetwork<Scalar>, _ input: Variable<Scalar>,
                          weights: [[Variable<Scalar>]]) -> Variable<Scalar> {
        guard recomputesActivations else { return network(input, weights: weights) }
        // The weights enter the checkpoint as inputs: its recomputation differentiates with
        // respect to them, and their gradients flow on to the weight normalisation outside.
        let layout = weights.map(\.count)
        return checkpointed([input] + weights.flatMap { $0 }) { variables in
            var rest = variables.dropFirst()
            let regrouped = layout.map { count in
                defer { rest = rest.dropFirst(count) }
                return Array(rest.prefix(count))
            }
            return network(variables[0], weights: regrouped)
        }
    }

    /// One half-step on flattened blocks `[N, C·K·K]`: pair `pair`'s networks read the
    /// positions of `conditioningOnLeft ? left : right` and transform the others; the
    /// conditioning positions pass through unchanged. Returns the result and Σ s per row.
    public func couplingStep(_ x: Variable<Scalar>, pair: Int, conditioningOnLeft: Bool,
                             inverting: Bool = false) -> (output: Variable<Scalar>, logDet: Variable<Scalar>) {
        let (output, s) = halfStep(x, pair: pair, conditioningOnLeft: conditioningOnLeft, inverting: inverting,
                                   weights: weights(ofPair: pair))
        return (output, inverting ? -s : s)
    }

    private func halfStep(_ x: Variable<Scalar>, pair: Int, conditioningOnLeft: Bool,
                          inverting: Bool, weights: PairWeights) -> (Variable<Scalar>, Variable<Scalar>) {
        let (mask, inverseMask) = conditioningOnLeft ? (leftFlat, rightFlat) : (rightFlat, leftFlat)
        let conditioner = x * mask
        let s = evaluate(scaleNetworks[pair], conditioner, weights: weights.scale)
        let t = evaluate(translationNetworks[pair], conditioner, weights: weights.translation)
        // m ⊙ x + inv ⊙ (x ⊙ e^s + t) (or its inverse) in one fused pass each way; the tape's
        // version made eight passes forward and as many backward.
        let value = Tensor.affineCoupling(x.value, scale: s.value, shift: t.value, conditioning: mask, inverting: inverting)
        let output = Variable.custom([x, s, t], value: value) { g in
            let (dx, ds, dt) = Tensor.affineCouplingBackward(upstream: g, x.value, scale: s.value, shift: t.value,
                                                             conditioning: mask, inverting: inverting)
            return [dx, ds, dt]
        }
        ActivationProbe.report("pair \(pair), the half with the \(conditioningOnLeft ? "left" : "right") positions held", self,
                               input: x.value, output: output.value)
        return (output, (s * inverseMask).sum(axes: [1]))
    }

    /// Transforms blocks `[N, C, K, K]`; logDet `[N]`.
    public func forward(_ x: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>) {
        let shape = x.shape
        var y = x.reshaped([shape[0], leftFlat.scalarCount])
        var logDet = Variable(Tensor<Scalar>.zeros([shape[0]]))
        for pair in scaleNetworks.indices {
            let shared = weights(ofPair: pair)
            for left in [true, false] {
                let (next, s) = halfStep(y, pair: pair, conditioningOnLeft: left, inverting: false, weights: shared)
                y = next
                logDet = logDet + s
            }
        }
        return (y.reshaped(shape), logDet)
    }

    /// Inverts blocks `[N, C, K, K]`; logDet `[N]` (minus the forward one).
    public func inverse(_ z: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>) {
        let shape = z.shape
        var x = z.reshaped([shape[0], leftFlat.scalarCount])
        var logDet = Variable(Tensor<Scalar>.zeros([shape[0]]))
        for pair in scaleNetworks.indices.reversed() {
            let shared = weights(ofPair: pair)
            for left in [false, true] {
                let (next, s) = halfStep(x, pair: pair, conditioningOnLeft: left, inverting: true, weights: shared)
                x = next
                logDet = logDet - s
            }
        }
        return (x.reshaped(shape), logDet)
    }

    /// Two half-steps per pair (left, then right conditioning); the inverse runs them in
    /// reverse. With one pair the unconditioned half of the last step stays independent of
    /// itself across features; from two pairs on the block is dense.
    public func dependencies(inverting: Bool) -> BlockDependencies? {
        let pair = [halfStepDependencies(conditioning: leftFlat), halfStepDependencies(conditioning: rightFlat)]
        let steps = Array(repeating: pair, count: scaleNetworks.count).flatMap { $0 }
        return .composing(inverting ? steps.reversed() : steps, width: leftFlat.scalarCount)
    }

    /// `s_layers.k.…` then `t_layers.k.…`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        scaleNetworks.enumerated().flatMap { prefixed("s_layers.\($0.offset)", $0.element.namedParameters) }
            + translationNetworks.enumerated().flatMap { prefixed("t_layers.\($0.offset)", $0.element.namedParameters) }
    }

    /// The masks and the networks' buffers.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] {
        [("mask_left", leftMask), ("mask_right", rightMask)]
            + scaleNetworks.enumerated().flatMap { prefixed("s_layers.\($0.offset)", $0.element.namedBuffers) }
            + translationNetworks.enumerated().flatMap { prefixed("t_layers.\($0.offset)", $0.element.namedBuffers) }
    }
}

/// The registry entry `rnvp`: the reference's RealNVP coupling (no options).
public struct RealNVPCouplingOptions: CouplingOptions {
    /// `rnvp`.
    public static let name = "rnvp"
    /// For `--help`.
    public static let summary = "RealNVP affine coupling with checkerboard masks (the reference's default)"

    /// No options.
    public init() {}

    /// A ``RealNVPCoupling`` for the layer.
    public func makeCoupling<Scalar: TensorScalar>(for layer: CouplingLayerSettings, as _: Scalar.Type,
                                                   using generator: inout TensorRandomGenerator) -> any Coupling<Scalar> {
        RealNVPCoupling<Scalar>(channels: layer.channels, kernelSize: layer.kernelSize, pairs: layer.pairs,
                                hidden: layer.hiddenWidth, hiddenLayers: layer.hiddenLayers,
                                residualBlocks: layer.residualBlocks, using: &generator)
    }
}
