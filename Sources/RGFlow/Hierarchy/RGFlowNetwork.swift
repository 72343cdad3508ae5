// The MERA-patterned hierarchy: each RG layer gathers its blocks, couples them, and scatters
// them back (Hu et al. 2022, arXiv:2010.00029, §3).

import Autograd
import Tensor

/// The RG-Flow bijector on images `[batch, C, L, L]`: 2 (log2(L/K) + 1) RG layers, each a
/// coupling applied to every block of its ``MERALayerPattern``.
///
/// A layer gathers its blocks' pixels (every channel) into `[batch · blocks, C, K, K]`
/// (batch-major, then block), applies its coupling, and writes the result back into the same
/// positions; other pixels pass through. Its log-determinant sums over the blocks of a sample.
/// The inverse runs the layers in reverse with each coupling inverted. State-dict names
/// `layers.{n}.…`.
public final class RGFlowNetwork<Scalar: TensorScalar>: Bijector {
    /// The hyperparameters it was built from.
    public let configuration: FlowConfiguration
    /// The couplings, one per RG layer.
    public let couplings: [any Coupling<Scalar>]
    /// The pixel pattern of each RG layer.
    public let patterns: [MERALayerPattern]
    /// Each layer's pattern over `[C, L, L]`, block-major (``MERALayerPattern/blockMajorTable(channels:)``).
    let blockTables: [IndexTable]

    /// Builds the network with the reference's seeded initialisation: layer by layer, each
    /// coupling from the registry entry the configuration names.
    public init(configuration: FlowConfiguration, using generator: inout TensorRandomGenerator) {
        self.configuration = configuration
        couplings = configuration.layerSettings.map { layer in
            ComponentRegistry.makeCoupling(configuration.coupling, for: layer, as: Scalar.self, using: &generator)
        }
        patterns = (0..<configuration.depth).map {
            MERALayerPattern(layer: $0, sideLength: configuration.sideLength, kernelSize: configuration.kernelSize)
        }
        blockTables = patterns.map { $0.blockMajorTable(channels: configuration.channels) }
    }

    /// Whether every coupling recomputes its subnet activations in backward (less memory, one
    /// more forward pass of each subnet, as the reference does); setting it sets all of them.
    public var recomputesActivations: Bool {
        get { couplings.allSatisfy { $0.recomputesActivations } }
        set { for coupling in couplings { coupling.recomputesActivations = newValue } }
    }

    /// Applies RG layer `layer` (its coupling or the coupling's inverse) to `[batch, C, L, L]`.
    func apply(layer: Int, to x: Variable<Scalar>, inverting: Bool) -> (Variable<Scalar>, Variable<Scalar>) {
        let pattern = patterns[layer]
        let batch = x.shape[0], channels = x.shape[1], k = pattern.kernelSize, blocks = pattern.blockCount
        precondition(x.shape == [batch, configuration.channels, configuration.sideLength, configuration.sideLength],
                     "RGFlowNetwork: input of shape \(x.shape), expected [batch, \(configuration.channels), \(configuration.sideLength), \(configuration.sideLength)]")
        // [B, C·L·L] -> [B, blocks, C, K, K] -> [B·blocks, C, K, K], no copy but the gather.
        let gathered = x.gathered(trailingAxes: 3, blockTables[layer]).reshaped([batch * blocks, channels, k, k])
        let (coupled, logDet) = inverting ? couplings[layer].inverse(gathered) : couplings[layer].forward(gathered)
        let back = coupled.reshaped([batch, blocks, channels, k, k])
        let output = x.scattering(back, trailingAxes: 3, blockTables[layer])
        ActivationProbe.report("RG layer \(layer) (level \(pattern.level))", input: x.value, output: output.value)
        return (output, logDet.reshaped([batch, blocks]).sum(axes: [1]))
    }

    /// z = f(x) for images `[batch, C, L, L]`, with log|det ∂z/∂x| `[batch]`.
    public func forward(_ x: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>) {
        var y = x
        var logDet = Variable(Tensor<Scalar>.zeros([x.shape[0]]))
        for layer in couplings.indices {
            let (next, layerLogDet) = apply(layer: layer, to: y, inverting: false)
            y = next
            logDet = logDet + layerLogDet
        }
        return (y, logDet)
    }

    /// x = f⁻¹(z), layers in reverse, with log|det ∂x/∂z| `[batch]`.
    public func inverse(_ z: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>) {
        var x = z
        var logDet = Variable(Tensor<Scalar>.zeros([z.shape[0]]))
        for layer in couplings.indices.reversed() {
            let (next, layerLogDet) = apply(layer: layer, to: x, inverting: true)
            x = next
            logDet = logDet + layerLogDet
        }
        return (x, logDet)
    }

    /// `layers.{n}.…` for every coupling.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        couplings.enumerated().flatMap { prefixed("layers.\($0.offset)", $0.element.namedParameters) }
    }

    /// `layers.{n}.…` buffers (masks, statistics).
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] {
        couplings.enumerated().flatMap { prefixed("layers.\($0.offset)", $0.element.namedBuffers) }
    }
}
