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
    /// Bytes of tensors a step may hold; the trainer then measures each layer's activations
    /// and recomputes only as many couplings as the budget needs (``ActivationMemoryPlan``).
    /// The process-wide buffer cache is bounded by it too (``BufferPool/limitResidentBytes(to:)``).
    /// nil: as ``recomputeSubnets`` says (`--memory_budget`).
    public var memoryBudgetBytes: Int?
    /// The learning rate over the run (`--lr_schedule`, `--warmup_steps`, `--final_lr_fraction`).
    public var schedule = LearningRateSchedule()
    /// Test images whose bits/dim is measured after each plotted epoch, 0 for none
    /// (`--eval_size`).
    public var evaluationSize = 0
    /// The temperatures of the per-epoch sample grids (`--plot_temperatures`).
    public var plotTemperatures: [Double] = [1]
    /// Minutes of training between mid-epoch checkpoints, 0 for none (`--save_minutes`).
    public var saveMinutes = 10.0

    /// Default options (the paper's, as the reference's flags).
    public init() {}

    private enum CodingKeys: String, CodingKey {
        case data, dataPath, batchSize, learningRate, weightDecay, epochs, clipGradient, printStep, saveEpoch, keepEpoch
        case plotEpoch, outDirectory, outInfix, seed, trainSize, dtype, recomputeSubnets, schedule, evaluationSize
        case plotTemperatures, saveMinutes, memoryBudgetBytes
    }

    /// Decodes stored options; keys an older checkpoint lacks take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func read<Value: Decodable>(_ key: CodingKeys, _ fallback: Value) throws -> Value {
            try container.decodeIfPresent(Value.self, forKey: key) ?? fallback
        }
        let defaults = TrainingOptions()
        data = try read(.data, defaults.data)
        dataPath = try read(.dataPath, defaults.dataPath)
        batchSize = try read(.batchSize, defaults.batchSize)
        learningRate = try read(.learningRate, defaults.learningRate)
        weightDecay = try read(.weightDecay, defaults.weightDecay)
        epochs = try read(.epochs, defaults.epochs)
        clipGradient = try read(.clipGradient, defaults.clipGradient)
        printStep = try read(.printStep, defaults.printStep)
        saveEpoch = try read(.saveEpoch, defaults.saveEpoch)
        keepEpoch = try read(.keepEpoch, defaults.keepEpoch)
        plotEpoch = try read(.plotEpoch, defaults.plotEpoch)
        outDirectory = try read(.outDirectory, defaults.outDirectory)
        outInfix = try read(.outInfix, defaults.outInfix)
        seed = try read(.seed, defaults.seed)
        trainSize = try container.decodeIfPresent(Int.self, forKey: .trainSize)
        dtype = try read(.dtype, defaults.dtype)
        recomputeSubnets = try read(.recomputeSubnets, defaults.recomputeSubnets)
        schedule = try read(.schedule, defaults.schedule)
        evaluationSize = try read(.evaluationSize, defaults.evaluationSize)
        plotTemperatures = try read(.plotTemperatures, defaults.plotTemperatures)
        saveMinutes = try read(.saveMinutes, defaults.saveMinutes)
        memoryBudgetBytes = try container.decodeIfPresent(Int.self, forKey: .memoryBudgetBytes)
    }

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

    /// The mid-epoch checkpoint after `batches` batches of `epoch`.
    public func checkpoint(epoch: Int, batches: Int) -> URL {
        checkpoints.appendingPathComponent("epoch\(epoch)_batch\(batches).safetensors")
    }

    /// The checkpoint at `position`.
    public func checkpoint(at position: CheckpointPosition) -> URL {
        position.batches.map { checkpoint(epoch: position.epoch, batches: $0) } ?? checkpoint(epoch: position.epoch)
    }

    /// The sample plot of `epoch` at temperature 1 (the reference's name).
    public func samplePlot(epoch: Int) -> URL { samples.appendingPathComponent("epoch\(epoch).png") }

    /// The sample plot of `epoch` at `temperature`: `epoch{e}.png` at T = 1, else
    /// `epoch{e}_T{t}.png`.
    public func samplePlot(epoch: Int, temperature: Double) -> URL {
        temperature == 1 ? samplePlot(epoch: epoch)
            : samples.appendingPathComponent("epoch\(epoch)_T\(RunHistory.key(temperature)).png")
    }

    /// The per-epoch record, `{prefix}_history.json`.
    public var history: URL { URL(fileURLWithPath: prefix.path + "_history.json") }
    /// The loss curve, `{prefix}_loss.svg`.
    public var lossCurve: URL { URL(fileURLWithPath: prefix.path + "_loss.svg") }
    /// The report page, `{prefix}.html`.
    public var report: URL { URL(fileURLWithPath: prefix.path + ".html") }

    /// `url`'s path relative to the run's folder (where the log and the report are).
    public func relative(_ url: URL) -> String {
        let folder = prefix.deletingLastPathComponent().standardizedFileURL.path + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(folder) ? String(path.dropFirst(folder.count)) : path
    }
}
