// The flags shared by the subcommands: network, data, output, seed and threads (the
// reference's `main.py` names), and turning them into configurations.

import Datasets
import Foundation
import RGFlow
import Tensor

/// Flags describing the network (the reference's names and defaults are the paper's; ours are
/// smaller so that `rgflow train` finishes in minutes on a laptop CPU).
enum SharedFlags {
    static let network: [FlagSpecification] = [
        FlagSpecification(["data"], default: "msds1", "dataset: \(DatasetFactory.names.joined(separator: ", "))"),
        FlagSpecification(["data_path"], default: "./data", "where datasets are read"),
        FlagSpecification(["nchannels"], default: "3", "image channels C"),
        FlagSpecification(["L"], default: "32", "image side L"),
        FlagSpecification(["prior"], default: "laplace", "prior: a registered name (listed below)"),
        FlagSpecification(["prior_options"], default: "", "the prior's options as key=value,key=value (e.g. nu=3)"),
        FlagSpecification(["subnet"], default: "rnvp", "coupling: a registered name (listed below)"),
        FlagSpecification(["subnet_options"], default: "", "the coupling's options as key=value,..."),
        FlagSpecification(["kernel_size"], default: "8", "block side K (paper: 4)"),
        FlagSpecification(["nlayers"], default: "4,2,1", "coupling pairs per RG layer, per level (paper: 8,6,4,2)"),
        FlagSpecification(["nresblocks"], default: "2", "residual blocks per subnet (paper: 4)"),
        FlagSpecification(["nmlp"], default: "1", "hidden layers per residual block (paper: 2)"),
        FlagSpecification(["nhidden"], default: "128", "hidden width (paper: 512)"),
        FlagSpecification(["dtype"], default: "float32", "float32 or float64"),
    ]

    static let run: [FlagSpecification] = [
        FlagSpecification(["out_dir", "o"], default: "./saved_model", "output root; empty disables output"),
        FlagSpecification(["out_infix"], default: "", "suffix of the run folder name"),
        FlagSpecification(["seed"], default: "0", "seeds initialisation, shuffles, noise and sampling"),
        FlagSpecification(["threads"], default: "\(Parallelism.defaultThreadCount)", "CPU threads (also RGFLOW_THREADS)"),
        FlagSpecification(["cuda"], default: nil, "accepted for compatibility: there is no GPU; use --threads"),
    ]

    /// The network configuration the flags describe (with side `sideLength` instead of `--L`
    /// when given).
    /// With `fittingLevels`, per-level lists (`2,2,1,1`) are cut or extended with their last
    /// entry to the level count of `sideLength`, so one set of flags builds a network at every L.
    static func configuration(_ flags: ParsedFlags, sideLength: Int? = nil, fittingLevels: Bool = false) throws
        -> FlowConfiguration
    {
        func perLevel(_ name: String) throws -> String {
            let text = flags.string(name)!
            guard fittingLevels, let side = sideLength, text.contains(",") else { return text }
            let kernel = try flags.integer("kernel_size", minimum: 1, maximum: FlowConfiguration.maximumSideLength)
            var levels = 1, width = side / max(kernel, 1)
            while width > 1 { levels += 1; width /= 2 }
            let entries = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (0..<levels).map { entries[min($0, entries.count - 1)] }.joined(separator: ",")
        }
        do {
            let prior = ComponentSpecification(
                flags.string("prior")!,
                options: try ComponentSpecification.parseOptions(flags.string("prior_options")!, flag: "--prior_options"))
            let coupling = ComponentSpecification(
                flags.string("subnet")!,
                options: try ComponentSpecification.parseOptions(flags.string("subnet_options")!, flag: "--subnet_options"))
            return try FlowConfiguration(
                channels: try flags.integer("nchannels", minimum: 1, maximum: FlowConfiguration.maximumChannels),
                sideLength: try sideLength ?? flags.integer("L", minimum: 1, maximum: FlowConfiguration.maximumSideLength),
                kernelSize: try flags.integer("kernel_size", minimum: 1, maximum: FlowConfiguration.maximumSideLength),
                prior: prior, coupling: coupling,
                layers: try perLevel("nlayers"), residualBlocks: try perLevel("nresblocks"),
                hiddenLayers: try perLevel("nmlp"), hiddenWidths: try perLevel("nhidden"))
        } catch let error as ConfigurationError {
            throw UsageError(error.description)
        }
    }

    /// The registered priors and couplings with their options, for `--help`.
    static var componentHelp: String {
        (["", "priors (--prior NAME --prior_options key=value,...):"] + ComponentRegistry.helpLines(priors: true)
            + ["", "couplings (--subnet NAME --subnet_options key=value,...):"] + ComponentRegistry.helpLines(priors: false))
            .joined(separator: "\n")
    }

    /// Applies --threads and explains --cuda.
    static func applyRunFlags(_ flags: ParsedFlags) throws {
        Parallelism.threadCount = try flags.integer("threads", minimum: 1, maximum: 1024)
        if flags.wasGiven("cuda") {
            // A notice, not an error: standard output, so an error still makes a single line on stderr.
            print("rgflow: --cuda ignored: this build runs on the CPU (set --threads)")
        }
    }

    /// The seed flag.
    static func seed(_ flags: ParsedFlags) throws -> UInt64 {
        guard let text = flags.string("seed"), let value = UInt64(text) else {
            throw UsageError("--seed '\(flags.string("seed") ?? "")' is not a non-negative integer")
        }
        return value
    }

    /// The dataset of a split: the `--data` folder when present; for msds1/msds2 without a
    /// folder, generated in memory (no files, no downloads).
    static func dataset(name: String, dataPath: String, split: DatasetSplit, seed: UInt64,
                        limit: Int? = nil, limitFlag: String = "--train_size") throws -> any ImageDataset {
        let dataset: any ImageDataset
        do {
            // Cached: the cropped and resized images stay in memory (12 KiB each), so only the
            // first epoch pays for decoding.
            dataset = try DatasetFactory.makeDataset(name: name, dataPath: dataPath, split: split, splitSeed: seed,
                                                     cachesImages: true)
        } catch DatasetError.msdsFolderNotFound {
            let variant: MSDSVariant = name == "msds2" ? .msds2 : .msds1
            let generated = MSDSDataset(variant: variant, split: split, seed: seed)
            guard let limit else { return generated }
            guard limit <= generated.count else {
                throw UsageError("\(limitFlag) \(limit) exceeds the \(generated.count) images of \(name) \(split.rawValue)")
            }
            return MSDSDataset(variant: variant, split: split, seed: seed, count: limit)
        }
        guard let limit else { return dataset }
        guard limit <= dataset.count else {
            throw UsageError("\(limitFlag) \(limit) exceeds the \(dataset.count) images of \(name) \(split.rawValue)")
        }
        return PrefixDataset(base: dataset, count: limit)
    }
}

/// The first `count` images of a dataset (`--train_size`).
struct PrefixDataset: ImageDataset {
    let base: any ImageDataset
    let count: Int
    var channels: Int { base.channels }
    var sideLength: Int { base.sideLength }
    func image(at index: Int, augmentationSeed: UInt64) throws -> [Float] {
        try base.image(at: index, augmentationSeed: augmentationSeed)
    }
}

/// Calls a generic body with the scalar type a `--dtype` string names.
protocol ScalarTypeBody {
    func run<Scalar: TensorScalar>(_: Scalar.Type) throws
}

func withScalarType(_ dtype: String, _ body: some ScalarTypeBody) throws {
    switch dtype {
    case "float32": try body.run(Float.self)
    case "float64": try body.run(Double.self)
    default: throw UsageError("--dtype '\(dtype)' is not float32 or float64")
    }
}

/// Writes a `[N, C, L, L]` batch in [0, 1] as a square PNG grid a person can look at: each
/// image enlarged by nearest neighbour to at least 128 pixels, separated by gray gaps.
func writeGrid(_ images: Tensor<Float>, to url: URL) throws {
    try writeFigure(PNGEncoder.figureGrid(of: images, columns: Int(Double(images.shape[0]).squareRoot().rounded(.up))), to: url)
}

/// Writes a PNG atomically, making its folder first (errors name the path).
func writeFigure(_ image: PNGEncoder.Image, to url: URL) throws {
    try AtomicFile.makeFolder(url.deletingLastPathComponent())
    try AtomicFile.write(Data(PNGEncoder.encode(image)), to: url)
}
