// `rgflow explore`: the hierarchy analyses of a checkpoint as figures and JSON numbers. Each
// subcommand parses its flags, calls the library, and writes {output_dir}/{name}.png/.json.

import Datasets
import Foundation
import RGFlow
import Tensor

enum ExploreCommand {
    static let usage = """
        usage: rgflow explore <analysis> [flags]     (rgflow explore <analysis> --help for its flags)

        analyses of a checkpoint (found as for `rgflow sample`), written to --output_dir as PNG and JSON:
          receptive-fields  |dx/dz| of latents at every level beside their exact supports, and per-level sizes
          mix               style mixing: coarse levels of image A with fine levels of image B
          traverse          one latent per level swept from -a to +a, other latents held
          inpaint           fill a hole by moving only the latents whose support meets it
          correlations      correlation matrix of one level's latents over encoded test images
          cones             latents a 2x2 hole touches at L = 8 ... 64 (random networks), beside C L^2
        """

    static func run(_ arguments: [String]) throws {
        guard let analysis = arguments.first, !analysis.hasPrefix("-") else {
            if arguments.contains("--help") || arguments.contains("-h") { print(usage); return }
            throw UsageError("explore needs an analysis: receptive-fields, mix, traverse, inpaint, correlations or cones")
        }
        let rest = Array(arguments.dropFirst())
        switch analysis {
        case "receptive-fields": try ExploreReceptiveFields.run(rest)
        case "mix": try ExploreMixing.run(rest)
        case "traverse": try ExploreTraversal.run(rest)
        case "inpaint": try ExploreInpainting.run(rest)
        case "correlations": try ExploreCorrelations.run(rest)
        case "cones": try ExploreCones.run(rest)
        default:
            throw UsageError("unknown analysis '\(analysis)': receptive-fields, mix, traverse, inpaint, correlations or cones")
        }
    }

    /// Flags every analysis of a checkpoint takes.
    static let checkpointAnalysisFlags = CheckpointFlags.specifications + [
        FlagSpecification(["output_dir"], default: "explore", "folder the figures (.png) and numbers (.json) go to"),
        FlagSpecification(["help", "h"], value: false, "show this help"),
    ]
}

/// What an analysis of a checkpoint works with: the parsed flags, the model, the test images
/// of its dataset, a seeded generator and the output folder.
struct ExploreContext {
    let flags: ParsedFlags
    let model: RGFlowModel<Float>
    let info: CheckpointInfo
    let checkpoint: String
    let output: URL
    var generator: TensorRandomGenerator

    /// Parses `arguments`; nil after printing help.
    static func make(_ arguments: [String], command: String, summary: String,
                     specifications: [FlagSpecification]) throws -> ExploreContext? {
        let flags = try ParsedFlags(arguments, specifications: specifications)
        if flags.isSet("help") {
            print(helpText(command: "explore \(command)", summary: summary, specifications: specifications))
            return nil
        }
        try SharedFlags.applyRunFlags(flags)
        let url = try CheckpointFlags.locate(flags)
        let (file, info) = try CheckpointFlags.open(url, checking: flags)
        let model = try CheckpointFlags.model(Float.self, from: file, info: info)
        let output = URL(fileURLWithPath: flags.string("output_dir")!, isDirectory: true)
        return ExploreContext(flags: flags, model: model, info: info, checkpoint: url.path, output: output,
                              generator: TensorRandomGenerator(seed: try SharedFlags.seed(flags)))
    }

    var levels: LatentLevels { model.configuration.latentLevels }

    /// Test images `[n, C, L, L]` of the checkpoint's dataset (or `--data`), by index.
    func testImages(_ indices: [Int]) throws -> Tensor<Float> {
        let data = flags.wasGiven("data") ? flags.string("data")! : info.options.data
        let dataPath = flags.wasGiven("data_path") ? flags.string("data_path")! : info.options.dataPath
        let dataset = try SharedFlags.dataset(name: data, dataPath: dataPath, split: .test, seed: info.options.seed)
        let c = model.configuration
        guard dataset.channels == c.channels, dataset.sideLength == c.sideLength else {
            throw UsageError("--data \(data) has \(dataset.channels) channels of side \(dataset.sideLength), the checkpoint's network \(c.channels) of side \(c.sideLength)")
        }
        if let bad = indices.first(where: { !(0..<dataset.count).contains($0) }) {
            throw UsageError("image index \(bad) outside the \(dataset.count) test images of \(data)")
        }
        var scalars: [Float] = []
        for index in indices { scalars += try dataset.image(at: index, augmentationSeed: 0) }
        return Tensor(shape: [indices.count, c.channels, c.sideLength, c.sideLength], scalars: scalars)
    }

    /// Writes a figure to `{output_dir}/{name}.png`.
    func write(_ figure: PNGEncoder.Image, name: String) throws -> URL {
        let url = output.appendingPathComponent(name + ".png")
        try writeFigure(figure, to: url)
        return url
    }

    /// Writes numbers to `{output_dir}/{name}.json` (sorted keys, so runs diff cleanly).
    func write<Value: Encodable>(json value: Value, name: String) throws -> URL {
        try AtomicFile.makeFolder(output)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = output.appendingPathComponent(name + ".json")
        try AtomicFile.write(try encoder.encode(value), to: url)
        return url
    }
}

/// Parses `"a,b,c"` into integers for `flag`.
func integerList(_ text: String, flag: String) throws -> [Int] {
    let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let values = parts.compactMap { Int($0) }
    guard !parts.isEmpty, values.count == parts.count else {
        throw UsageError("--\(flag) '\(text)' is not a comma-separated list of integers")
    }
    return values
}
