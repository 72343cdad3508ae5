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

    /// Opens a checkpoint: the file, its metadata, and a model of its dtype loaded from it.
    static func open(_ url: URL) throws -> (file: Safetensors, info: CheckpointInfo) {
        let file = try Safetensors(contentsOf: url)
        return (file, try Checkpoint.info(of: file))
    }

    /// A model with the checkpoint's configuration and weights.
    static func model<Scalar: TensorScalar>(_: Scalar.Type, from file: Safetensors, info: CheckpointInfo) throws -> RGFlowModel<Scalar> {
        let model = RGFlowModel<Scalar>(configuration: info.configuration, seed: 0)
        try Checkpoint.load(file, into: model, optimizer: nil)
        return model
    }
}
