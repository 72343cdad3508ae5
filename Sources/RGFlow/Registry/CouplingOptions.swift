// What makes a coupling buildable by name: typed options that construct it for one RG layer.

import Tensor

/// The per-layer settings every coupling is built with: the block it transforms and the
/// reference's per-layer lists (`--nlayers --nresblocks --nmlp --nhidden`).
public struct CouplingLayerSettings: Sendable, Equatable {
    /// The RG layer (0 is the first, finest).
    public var layer: Int
    /// Its level in the hierarchy, `layer / 2`.
    public var level: Int { layer / 2 }
    /// Image channels C.
    public var channels: Int
    /// Block side K: the coupling sees blocks `[N, C, K, K]`.
    public var kernelSize: Int
    /// Coupling pairs (`--nlayers`).
    public var pairs: Int
    /// Residual blocks per subnet (`--nresblocks`).
    public var residualBlocks: Int
    /// Hidden layers per residual block (`--nmlp`).
    public var hiddenLayers: Int
    /// Hidden width (`--nhidden`).
    public var hiddenWidth: Int

    /// Settings for one layer.
    public init(layer: Int, channels: Int, kernelSize: Int, pairs: Int, residualBlocks: Int, hiddenLayers: Int,
                hiddenWidth: Int) {
        self.layer = layer
        self.channels = channels
        self.kernelSize = kernelSize
        self.pairs = pairs
        self.residualBlocks = residualBlocks
        self.hiddenLayers = hiddenLayers
        self.hiddenWidth = hiddenWidth
    }
}

/// The options of a registered coupling, which also build it.
///
/// A new coupling is one file: the ``Coupling`` type, and beside it a struct of its options
/// conforming to this protocol; one line in ``ComponentRegistry`` makes it available by
/// ``name`` to ``FlowConfiguration`` (`--subnet NAME`), checkpoints and the tool.
/// ``AdditiveCoupling`` is the worked example.
public protocol CouplingOptions: ComponentOptions {
    /// The registered name (`--subnet NAME`).
    static var name: String { get }
    /// One line for `--help`.
    static var summary: String { get }
    /// Throws ``ConfigurationError`` when a layer's settings do not suit this coupling (the
    /// autoregressive one needs the hidden width divisible by K²).
    func validate(_ layer: CouplingLayerSettings) throws
    /// The coupling of one RG layer, initialised from `generator`.
    func makeCoupling<Scalar: TensorScalar>(for layer: CouplingLayerSettings, as scalar: Scalar.Type,
                                            using generator: inout TensorRandomGenerator) -> any Coupling<Scalar>
}

extension CouplingOptions {
    /// Every layer is fine by default.
    public func validate(_ layer: CouplingLayerSettings) throws {}
}
