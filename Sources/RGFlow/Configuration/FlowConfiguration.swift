// The network's hyperparameters, parsed from the reference's flag strings and validated.

import Foundation

/// Which coupling block each RG layer uses.
public enum SubnetKind: String, Sendable, Codable, CaseIterable {
    /// RealNVP affine coupling with checkerboard masks.
    case rnvp
    /// Autoregressive affine coupling over the positions of a block.
    case ar
}

/// Which base distribution the latent variables follow.
public enum PriorKind: String, Sendable, Codable, CaseIterable {
    /// Standard normal (σ = temperature).
    case gaussian
    /// Laplace with unit variance at temperature 1 (b = T/√2).
    case laplace
}

/// A configuration the network cannot be built from, with what was expected.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    /// The explanation, naming the setting.
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The hyperparameters of an RG-Flow network, as the reference's flags give them.
///
/// The per-layer lists follow the reference: `"a,b,c,d"` gives `[a,a,b,b,c,c,d,d]` (one value
/// per level, for its two layers); a single `"n"` gives n for every layer. Their length must
/// equal ``depth``.
public struct FlowConfiguration: Sendable, Codable, Equatable {
    /// Image channels C.
    public var channels: Int
    /// Image side L (a power of two times the kernel size).
    public var sideLength: Int
    /// Block side K.
    public var kernelSize: Int
    /// The base distribution.
    public var prior: PriorKind
    /// The coupling block kind.
    public var subnet: SubnetKind
    /// Coupling pairs per RG layer.
    public var layerCounts: [Int]
    /// Residual blocks per subnet, per RG layer.
    public var residualBlockCounts: [Int]
    /// Hidden layers per residual block, per RG layer.
    public var hiddenLayerCounts: [Int]
    /// Hidden width per RG layer.
    public var hiddenWidths: [Int]

    /// Number of RG layers: 2 (log2(L/K) + 1), two per level.
    public var depth: Int { FlowConfiguration.depth(sideLength: sideLength, kernelSize: kernelSize) }

    /// Number of levels: log2(L/K) + 1.
    public var levels: Int { depth / 2 }

    static func depth(sideLength: Int, kernelSize: Int) -> Int {
        guard kernelSize > 0, sideLength >= kernelSize, sideLength % kernelSize == 0 else { return 0 }
        let ratio = sideLength / kernelSize
        guard ratio & (ratio - 1) == 0 else { return 0 }
        return 2 * (ratio.trailingZeroBitCount + 1)
    }

    /// Builds and validates a configuration from the reference's flag values.
    ///
    /// - Parameters:
    ///   - layers, residualBlocks, hiddenLayers, hiddenWidths: flag strings such as `"8,6,4,2"`
    ///     or `"4"`.
    /// - Throws: ``ConfigurationError`` naming the first invalid setting.
    public init(channels: Int, sideLength: Int, kernelSize: Int = 4, prior: PriorKind = .laplace,
                subnet: SubnetKind = .rnvp, layers: String, residualBlocks: String, hiddenLayers: String,
                hiddenWidths: String) throws {
        let depth = FlowConfiguration.depth(sideLength: sideLength, kernelSize: kernelSize)
        guard channels > 0 else { throw ConfigurationError("--nchannels must be positive, got \(channels)") }
        guard depth > 0 else {
            throw ConfigurationError("--L \(sideLength) must be --kernel_size \(kernelSize) times a power of two")
        }
        self.channels = channels
        self.sideLength = sideLength
        self.kernelSize = kernelSize
        self.prior = prior
        self.subnet = subnet
        layerCounts = try FlowConfiguration.perLayer(layers, depth: depth, flag: "--nlayers")
        residualBlockCounts = try FlowConfiguration.perLayer(residualBlocks, depth: depth, flag: "--nresblocks")
        hiddenLayerCounts = try FlowConfiguration.perLayer(hiddenLayers, depth: depth, flag: "--nmlp")
        self.hiddenWidths = try FlowConfiguration.perLayer(hiddenWidths, depth: depth, flag: "--nhidden")
        if subnet == .ar {
            let positions = kernelSize * kernelSize
            if let bad = self.hiddenWidths.first(where: { $0 % positions != 0 }) {
                throw ConfigurationError("--subnet ar needs --nhidden divisible by kernel_size² = \(positions), got \(bad)")
            }
        }
    }

    /// Parses a per-layer flag: "a,b,c" → [a, a, b, b, c, c]; "n" → [n] * depth.
    static func perLayer(_ text: String, depth: Int, flag: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let values = try parts.map { part -> Int in
            guard let value = Int(part), value > 0 else {
                throw ConfigurationError("\(flag) \"\(text)\": \"\(part)\" is not a positive integer")
            }
            return value
        }
        let expanded = values.count == 1 ? Array(repeating: values[0], count: depth) : values.flatMap { [$0, $0] }
        guard expanded.count == depth else {
            throw ConfigurationError("\(flag) \"\(text)\" gives \(expanded.count) layers, the network has \(depth) (2 per level for \(depth / 2) levels)")
        }
        return expanded
    }

    /// The flag string of a per-layer list (the inverse of the parsing, for names and logs).
    static func flagString(_ values: [Int]) -> String {
        if Set(values).count == 1 { return "\(values[0])" }
        return stride(from: 0, to: values.count, by: 2).map { "\(values[$0])" }.joined(separator: ",")
    }

    /// The reference's network name:
    /// `[{prior}_][{subnet}_][ks{K}_]nl{..}_nr{..}_nm{..}_nh{..}` (prior only if not gaussian,
    /// subnet only if not rnvp, kernel only if not 4).
    public var networkName: String {
        var name = ""
        if prior != .gaussian { name += "\(prior.rawValue)_" }
        if subnet != .rnvp { name += "\(subnet.rawValue)_" }
        if kernelSize != 4 { name += "ks\(kernelSize)_" }
        name += "nl\(FlowConfiguration.flagString(layerCounts))_nr\(FlowConfiguration.flagString(residualBlockCounts))"
        name += "_nm\(FlowConfiguration.flagString(hiddenLayerCounts))_nh\(FlowConfiguration.flagString(hiddenWidths))"
        return name
    }
}
