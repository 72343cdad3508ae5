// Everything a training run is configured by, with the reference's flag names in the
// checkpoint metadata so a run can be resumed and inspected.

import Foundation

/// The settings of a training run besides the network: data, optimiser, schedule, output.
public struct TrainingOptions: Codable, Sendable, Equatable {
    /// The dataset name (`--data`).
    public var data = "msds1"
    /// Where datasets are read (`--data_path`).
    public var dataPath = "./data"
    /// Images per batch (`--batch_size`).
    public var batchSize = 64
    /// AdamW learning rate (`--lr`).
    public var learningRate = 1e-3
    /// AdamW decoupled weight decay (`--weight_decay`).
    public var weightDecay = 5e-2
    /// Epochs to train (`--epoch`).
    public var epochs = 500
    /// Global gradient-norm clip, 0 disables (`--clip_grad`).
    public var clipGradient = 1.0
    /// Log every N batches, 0 never (`--print_step`).
    public var printStep = 1
    /// Save a checkpoint every N epochs, 0 never (`--save_epoch`).
    public var saveEpoch = 1
    /// Keep the checkpoints of epochs that are multiples of N (`--keep_epoch`).
    public var keepEpoch = 10
    /// Write a sample grid every N epochs, 0 never (`--plot_epoch`).
    public var plotEpoch = 1
    /// Output root; empty disables output (`-o/--out_dir`).
    public var outDirectory = "./saved_model"
    /// Suffix of the run folder name (`--out_infix`).
    public var outInfix = ""
    /// Seeds initialisation, shuffles, dequantisation and sampling (`--seed`).
    public var seed: UInt64 = 0
    /// Train on the first N training images only; nil for all (`--train_size`).
    public var trainSize: Int?
    /// `float32` or `float64` (`--dtype`).
    public var dtype = "float32"
    /// Recompute subnet activations in backward to save memory.
    public var recomputeSubnets = false

    /// Default options (the paper's, as the reference's flags).
    public init() {}

    /// `{out_dir}/{data}/{network}/out{infix}`: the prefix of the log file, the checkpoint
    /// folder and the sample folder; nil when output is disabled.
    public func runPrefix(networkName: String) -> URL? {
        guard !outDirectory.isEmpty else { return nil }
        return URL(fileURLWithPath: outDirectory, isDirectory: true).appendingPathComponent(data)
            .appendingPathComponent(networkName).appendingPathComponent("out" + outInfix)
    }
}

/// Where a run writes: `{prefix}.log`, `{prefix}_save/{epoch}.safetensors` and
/// `{prefix}_epoch_sample/epoch{e}.png`, with `{prefix} = {out_dir}/{data}/{network}/out{infix}`.
public struct RunPaths: Sendable {
    /// The shared prefix.
    public let prefix: URL

    /// Paths under `prefix`.
    public init(prefix: URL) { self.prefix = prefix }

    /// The log file.
    public var log: URL { URL(fileURLWithPath: prefix.path + ".log") }
    /// The checkpoint folder.
    public var checkpoints: URL { URL(fileURLWithPath: prefix.path + "_save", isDirectory: true) }
    /// The sample-plot folder.
    public var samples: URL { URL(fileURLWithPath: prefix.path + "_epoch_sample", isDirectory: true) }

    /// The checkpoint of `epoch`.
    public func checkpoint(epoch: Int) -> URL { checkpoints.appendingPathComponent("\(epoch).safetensors") }

    /// The sample plot of `epoch`.
    public func samplePlot(epoch: Int) -> URL { samples.appendingPathComponent("epoch\(epoch).png") }
}
