// The network's hyperparameters, parsed from the reference's flag strings and validated.

import Foundation

/// A configuration the network cannot be built from, with what was expected.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    /// The explanation, naming the setting.
    public let description: String
    /// An error with this explanation (user components throw it from `validate()`).
    public init(_ description: String) { self.description = description }
}

/// The hyperparameters of an RG-Flow network, as the reference's flags give them.
///
/// The per-layer lists follow the reference: `"a,b,c,d"` gives `[a,a,b,b,c,c,d,d]` (one value
/// per level, for its two layers); a single `"n"` gives n for every layer. Their length must
/// equal ``depth``. The prior and the coupling are named components of ``ComponentRegistry``
/// with their options; a configuration holds them resolved (options checked, defaults filled
/// in), whether it was made from flags or decoded from a checkpoint.
public struct FlowConfiguration: Sendable, Codable, Equatable {
    /// Image channels C.
    public var channels: Int
    /// Image side L (a power of two times the kernel size).
    public var sideLength: Int
    /// Block side K.
    public var kernelSize: Int
    /// The base distribution: a registered prior and its options (`--prior`, `--prior_options`).
    public private(set) var prior: ComponentSpecification
    /// The coupling block: a registered coupling and its options (`--subnet`, `--subnet_options`).
    public private(set) var coupling: ComponentSpecification
    /// Coupling pairs per RG layer.
    public var layerCounts: [Int]
    /// Residual blocks per subnet, per RG layer.
    public var residualBlockCounts: [Int]
    /// Hidden layers per residual block, per RG layer.
    public var hiddenLayerCounts: [Int]
    /// Hidden width per RG layer.
    public var hiddenWidths: [Int]

    /// The largest channel count a configuration accepts (sizes beyond any real use are refused
    /// before they are allocated).
    public static let maximumChannels = 1024
    /// The largest image side.
    public static let maximumSideLength = 4096
    /// The largest value of a per-layer list (pairs, residual blocks, hidden layers, width).
    public static let maximumPerLayerValue = 1 << 16

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
    ///   - prior: a registered prior, e.g. `"laplace"` or
    ///     `ComponentSpecification("studentt", options: ["nu": .number(3)])`.
    ///   - coupling: a registered coupling (`"rnvp"`, `"ar"`, `"additive"`, ...).
    ///   - layers, residualBlocks, hiddenLayers, hiddenWidths: flag strings such as `"8,6,4,2"`
    ///     or `"4"`.
    /// - Throws: ``ConfigurationError`` naming the first invalid setting.
    public init(channels: Int, sideLength: Int, kernelSize: Int = 4, prior: ComponentSpecification = "laplace",
                coupling: ComponentSpecification = "rnvp", layers: String, residualBlocks: String, hiddenLayers: String,
                hiddenWidths: String) throws {
        let depth = FlowConfiguration.depth(sideLength: sideLength, kernelSize: kernelSize)
        guard depth > 0 else {
            throw ConfigurationError("--L \(sideLength) must be --kernel_size \(kernelSize) times a power of two")
        }
        try self.init(validating: channels, sideLength: sideLength, kernelSize: kernelSize, prior: prior, coupling: coupling,
                      layerCounts: try FlowConfiguration.perLayer(layers, depth: depth, flag: "--nlayers"),
                      residualBlockCounts: try FlowConfiguration.perLayer(residualBlocks, depth: depth, flag: "--nresblocks"),
                      hiddenLayerCounts: try FlowConfiguration.perLayer(hiddenLayers, depth: depth, flag: "--nmlp"),
                      hiddenWidths: try FlowConfiguration.perLayer(hiddenWidths, depth: depth, flag: "--nhidden"))
    }

    /// The one place a configuration is checked, whether it comes from flags or a file.
    private init(validating channels: Int, sideLength: Int, kernelSize: Int, prior: ComponentSpecification,
                 coupling: ComponentSpecification, layerCounts: [Int], residualBlockCounts: [Int],
                 hiddenLayerCounts: [Int], hiddenWidths: [Int]) throws {
        let depth = FlowConfiguration.depth(sideLength: sideLength, kernelSize: kernelSize)
        guard channels > 0 else { throw ConfigurationError("--nchannels must be positive, got \(channels)") }
        guard channels <= Self.maximumChannels, sideLength <= Self.maximumSideLength else {
            throw ConfigurationError("--nchannels \(channels) --L \(sideLength): at most \(Self.maximumChannels) channels and side \(Self.maximumSideLength)")
        }
        guard depth > 0 else {
            throw ConfigurationError("--L \(sideLength) must be --kernel_size \(kernelSize) times a power of two")
        }
        for (flag, values) in [("--nlayers", layerCounts), ("--nresblocks", residualBlockCounts),
                               ("--nmlp", hiddenLayerCounts), ("--nhidden", hiddenWidths)] {
            guard values.count == depth, values.allSatisfy({ $0 > 0 && $0 <= Self.maximumPerLayerValue }) else {
                throw ConfigurationError("\(flag) \(values): expected \(depth) positive values (2 per level for \(depth / 2) levels)")
            }
        }
        self.channels = channels
        self.sideLength = sideLength
        self.kernelSize = kernelSize
        self.layerCounts = layerCounts
        self.residualBlockCounts = residualBlockCounts
        self.hiddenLayerCounts = hiddenLayerCounts
        self.hiddenWidths = hiddenWidths
        self.prior = prior
        self.coupling = coupling
        self.prior = try ComponentRegistry.resolvedPrior(prior)
        self.coupling = try ComponentRegistry.resolvedCoupling(coupling, layers: layerSettings)
    }

    private enum CodingKeys: String, CodingKey {
        case channels, sideLength, kernelSize, prior, coupling = "subnet", layerCounts, residualBlockCounts
        case hiddenLayerCounts, hiddenWidths
    }

    /// Decodes and validates a stored configuration (checkpoint metadata); older checkpoints
    /// name the prior and subnet by a bare string.
    ///
    /// - Throws: `DecodingError` for a malformed record, ``ConfigurationError`` for settings the
    ///   registry rejects (an unregistered prior, say).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(validating: try container.decode(Int.self, forKey: .channels),
                      sideLength: try container.decode(Int.self, forKey: .sideLength),
                      kernelSize: try container.decode(Int.self, forKey: .kernelSize),
                      prior: try container.decode(ComponentSpecification.self, forKey: .prior),
                      coupling: try container.decode(ComponentSpecification.self, forKey: .coupling),
                      layerCounts: try container.decode([Int].self, forKey: .layerCounts),
                      residualBlockCounts: try container.decode([Int].self, forKey: .residualBlockCounts),
                      hiddenLayerCounts: try container.decode([Int].self, forKey: .hiddenLayerCounts),
                      hiddenWidths: try container.decode([Int].self, forKey: .hiddenWidths))
    }

    /// The settings of every RG layer, in order.
    public var layerSettings: [CouplingLayerSettings] {
        (0..<depth).map {
            CouplingLayerSettings(layer: $0, channels: channels, kernelSize: kernelSize, pairs: layerCounts[$0],
                                  residualBlocks: residualBlockCounts[$0], hiddenLayers: hiddenLayerCounts[$0],
                                  hiddenWidth: hiddenWidths[$0])
        }
    }

    /// The latent layout: the level of every position.
    public var latentLevels: LatentLevels { LatentLevels(self) }

    /// Parses a per-layer flag: "a,b,c" → [a, a, b, b, c, c]; "n" → [n] * depth.
    static func perLayer(_ text: String, depth: Int, flag: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let values = try parts.map { part -> Int in
            guard let value = Int(part), value > 0 else {
                throw ConfigurationError("\(flag) \"\(text)\": \"\(part)\" is not a positive integer")
            }
            guard value <= maximumPerLayerValue else {
                throw ConfigurationError("\(flag) \"\(text)\": \(value) exceeds \(maximumPerLayerValue)")
            }
            return value
        }
        let expanded = values.count == 1 ? Array(repeating: values[0], count: depth) : values.flatMap { [$0, $0] }
        guard expanded.count == depth else {
            throw ConfigurationError("\(flag) \"\(text)\" gives \(expanded.count) layers, the network has \(depth) (2 per level for \(depth / 2) levels)")
        }
        return expanded
    }

    /// The flag string of a per-layer list (the inverse of the parsing, for names and logs):
    /// `[8, 8, 6, 6, 4, 4, 2, 2]` → `"8,6,4,2"`, `[4, 4, ...]` → `"4"`.
    public static func flagString(_ values: [Int]) -> String {
        if Set(values).count == 1 { return "\(values[0])" }
        return stride(from: 0, to: values.count, by: 2).map { "\(values[$0])" }.joined(separator: ",")
    }

    /// The reference's network name:
    /// `[{prior}_][{subnet}_][ks{K}_]nl{..}_nr{..}_nm{..}_nh{..}` (prior only if not gaussian,
    /// subnet only if not rnvp, kernel only if not 4). Options that differ from their defaults
    /// follow the component's name, e.g. `studentt-nu3_nl...`.
    public var networkName: String {
        var name = ""
        let priorName = ComponentRegistry.shortName(prior, isPrior: true)
        let couplingName = ComponentRegistry.shortName(coupling, isPrior: false)
        if priorName != "gaussian" { name += priorName + "_" }
        if couplingName != "rnvp" { name += couplingName + "_" }
        if kernelSize != 4 { name += "ks\(kernelSize)_" }
        name += "nl\(FlowConfiguration.flagString(layerCounts))_nr\(FlowConfiguration.flagString(residualBlockCounts))"
        name += "_nm\(FlowConfiguration.flagString(hiddenLayerCounts))_nh\(FlowConfiguration.flagString(hiddenWidths))"
        return name
    }
}
