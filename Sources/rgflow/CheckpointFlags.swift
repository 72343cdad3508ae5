// Finding and opening the checkpoint the inference commands work on.

import Foundation
import RGFlow
import Tensor

enum CheckpointFlags {
    static let specifications = SharedFlags.network + SharedFlags.run + [
        FlagSpecification(["checkpoint"], default: nil, "a checkpoint file (default: the newest of the run the other flags name)"),
    ]

    /// The checkpoint `--checkpoint` names, or the newest of the run the network flags name.
    static func locate(_ flags: ParsedFlags) throws -> URL {
        if let path = flags.string("checkpoint") {
            guard FileManager.default.fileExists(atPath: path) else { throw UsageError("--checkpoint \(path): no such file") }
            return URL(fileURLWithPath: path)
        }
        let configuration = try SharedFlags.configuration(flags)
        var options = TrainingOptions()
        options.data = flags.string("data")!
        options.outDirectory = flags.string("out_dir")!
        options.outInfix = flags.string("out_infix")!
        guard let prefix = options.runPrefix(networkName: configuration.networkName) else {
            throw UsageError("--out_dir is empty: pass --checkpoint")
        }
        let paths = RunPaths(prefix: prefix)
        guard let epoch = Checkpoint.epochs(in: paths.checkpoints).last else {
            throw UsageError("no checkpoint in \(paths.checkpoints.path): train first (same flags) or pass --checkpoint")
        }
        return paths.checkpoint(epoch: epoch)
    }

    /// Opens a checkpoint: the file and its metadata. Network flags given explicitly beside
    /// `--checkpoint` must describe the checkpoint's network.
    static func open(_ url: URL, checking flags: ParsedFlags? = nil) throws -> (file: Safetensors, info: CheckpointInfo) {
        let file = try Safetensors(contentsOf: url)
        let info = try Checkpoint.info(of: file)
        if let flags { try checkNetworkFlags(flags, against: info.configuration, file: url.path) }
        return (file, info)
    }

    /// Refuses explicit network flags that differ from the checkpoint's network (flags not
    /// given take the checkpoint's values).
    static func checkNetworkFlags(_ flags: ParsedFlags, against stored: FlowConfiguration, file: String) throws {
        let names = ["nchannels", "L", "kernel_size", "prior", "prior_options", "subnet", "subnet_options", "nlayers",
                     "nresblocks", "nmlp", "nhidden"]
        guard names.contains(where: flags.wasGiven) else { return }
        func value(_ name: String, _ stored: String) -> String { flags.wasGiven(name) ? flags.string(name)! : stored }
        func options(_ name: String, _ stored: ComponentSpecification) -> String {
            flags.wasGiven(name) ? flags.string(name)! : stored.options.keys.sorted().map { "\($0)=\(stored.options[$0]!)" }.joined(separator: ",")
        }
        let requested: FlowConfiguration
        do {
            requested = try FlowConfiguration(
                channels: try flags.integer("nchannels", minimum: 1, default: stored.channels),
                sideLength: try flags.integer("L", minimum: 1, default: stored.sideLength),
                kernelSize: try flags.integer("kernel_size", minimum: 1, default: stored.kernelSize),
                prior: ComponentSpecification(value("prior", stored.prior.name),
                                              options: try ComponentSpecification.parseOptions(options("prior_options", stored.prior), flag: "--prior_options")),
                coupling: ComponentSpecification(value("subnet", stored.coupling.name),
                                                 options: try ComponentSpecification.parseOptions(options("subnet_options", stored.coupling), flag: "--subnet_options")),
                layers: value("nlayers", FlowConfiguration.flagString(stored.layerCounts)),
                residualBlocks: value("nresblocks", FlowConfiguration.flagString(stored.residualBlockCounts)),
                hiddenLayers: value("nmlp", FlowConfiguration.flagString(stored.hiddenLayerCounts)),
                hiddenWidths: value("nhidden", FlowConfiguration.flagString(stored.hiddenWidths)))
        } catch let error as ConfigurationError {
            throw UsageError(error.description)
        }
        guard requested == stored else {
            throw UsageError("--checkpoint \(file) holds network \(stored.networkName), the flags name \(requested.networkName)")
        }
    }

    /// A model with the checkpoint's configuration and weights.
    static func model<Scalar: TensorScalar>(_: Scalar.Type, from file: Safetensors, info: CheckpointInfo) throws -> RGFlowModel<Scalar> {
        let model = RGFlowModel<Scalar>(configuration: info.configuration, seed: 0)
        try Checkpoint.load(file, into: model, optimizer: nil)
        return model
    }
}
