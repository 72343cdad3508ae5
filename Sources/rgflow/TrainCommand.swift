// `rgflow train`: the main job. Parses the reference's flags, builds the data, model and
// trainer, resumes from the newest checkpoint, and shows progress.

import Datasets
import Foundation
import RGFlow
import Tensor

enum TrainCommand {
    static let specifications = SharedFlags.network + SharedFlags.run + [
        FlagSpecification(["batch_size"], default: "32", "images per batch (paper: 64)"),
        FlagSpecification(["lr"], default: "5e-2", "AdamW learning rate, the peak of the schedule (reference: 1e-3)"),
        FlagSpecification(["lr_schedule"], default: "cosine", "cosine (linear warm-up, cosine decay) or constant (the reference)"),
        FlagSpecification(["warmup_steps"], default: "200", "steps of linear warm-up (cosine)"),
        FlagSpecification(["final_lr_fraction"], default: "0", "the last step's rate as a fraction of --lr (cosine)"),
        FlagSpecification(["weight_decay"], default: "0", "AdamW decoupled weight decay (reference: 5e-2)"),
        FlagSpecification(["epoch"], default: "5", "epochs to train (paper: 500)"),
        FlagSpecification(["clip_grad"], default: "1", "global gradient-norm clip; 0 disables"),
        FlagSpecification(["train_size"], default: "12800", "train on the first N training images; 0 for all"),
        FlagSpecification(["print_step"], default: "1", "log every N batches; 0 never"),
        FlagSpecification(["save_epoch"], default: "1", "checkpoint every N epochs; 0 never"),
        FlagSpecification(["save_minutes"], default: "10", "also checkpoint inside an epoch every M minutes of training (the newest two kept); 0 never"),
        FlagSpecification(["keep_epoch"], default: "10", "keep the checkpoints of epochs divisible by N"),
        FlagSpecification(["plot_epoch"], default: "1", "sample grid every N epochs; 0 never"),
        FlagSpecification(["plot_temperatures"], default: "1,0.8", "temperatures of the sample grids, e.g. 1,0.5"),
        FlagSpecification(["eval_size"], default: "1000", "test images whose bits/dim is measured at each plot epoch; 0 never"),
        FlagSpecification(["no_stdout"], value: false, "do not print log lines or progress"),
        FlagSpecification(["recompute"], value: false, "recompute subnet activations in backward (less memory)"),
        FlagSpecification(["memory_budget"], default: "", "tensor memory a step may use, e.g. 8G or 512M: each layer's activations are measured and only as many couplings recompute as the budget needs"),
        FlagSpecification(["help", "h"], value: false, "show this help"),
    ]

    static let summary = """
        Trains RG-Flow. With no flags: msds1 generated in memory (no files, no downloads), a small
        network with 8x8 blocks (one MSDS cell each), 5 epochs of 12800 images in batches of 32 at a
        peak rate of 5e-2 with warm-up and cosine decay and no weight decay, grids at T = 1 and 0.8;
        the paper's settings are --kernel_size 4 --nlayers 8,6,4,2 --nresblocks 4 --nmlp 2 --nhidden 512
        --batch_size 64 --epoch 500 --train_size 0 --lr 1e-3 --lr_schedule constant --weight_decay 5e-2.
        Output goes to {out_dir}/{data}/{network}/out{infix}.log, ..._save/{epoch}.safetensors and
        ..._epoch_sample/epoch{e}.png; a run resumes from its newest checkpoint.
        """

    static func run(_ arguments: [String]) throws {
        let flags = try ParsedFlags(arguments, specifications: specifications)
        if flags.isSet("help") {
            print(helpText(command: "train", summary: summary, specifications: specifications))
            return
        }
        try SharedFlags.applyRunFlags(flags)
        let configuration = try SharedFlags.configuration(flags)
        var options = TrainingOptions()
        options.data = try flags.choice("data", DatasetFactory.names)
        options.dataPath = flags.string("data_path")!
        options.batchSize = try flags.integer("batch_size", minimum: 1)
        options.learningRate = try flags.real("lr", in: 0...1e3)
        options.weightDecay = try flags.real("weight_decay", in: 0...1e3)
        options.epochs = try flags.integer("epoch", minimum: 0, maximum: 1_000_000)
        options.clipGradient = try flags.real("clip_grad", in: 0...1e12)
        options.printStep = try flags.integer("print_step", minimum: 0)
        options.saveEpoch = try flags.integer("save_epoch", minimum: 0)
        options.keepEpoch = try flags.integer("keep_epoch", minimum: 0)
        options.plotEpoch = try flags.integer("plot_epoch", minimum: 0)
        options.outDirectory = flags.string("out_dir")!
        if !options.outDirectory.isEmpty, let file = firstFile(onPathTo: options.outDirectory) {
            throw UsageError("-o/--out_dir \(options.outDirectory): \(file) is a file, expected a folder (or a path to create)")
        }
        options.outInfix = flags.string("out_infix")!
        options.seed = try SharedFlags.seed(flags)
        let trainSize = try flags.integer("train_size", minimum: 0)
        options.trainSize = trainSize == 0 ? nil : trainSize
        options.dtype = try flags.choice("dtype", ["float32", "float64"])
        options.recomputeSubnets = flags.isSet("recompute")
        options.memoryBudgetBytes = try memorySize(flags.string("memory_budget")!, flag: "--memory_budget")
        guard let shape = LearningRateSchedule.Shape(rawValue: try flags.choice("lr_schedule", ["constant", "cosine"])) else {
            throw UsageError("--lr_schedule must be constant or cosine")
        }
        options.schedule = LearningRateSchedule(shape: shape, warmupSteps: try flags.integer("warmup_steps", minimum: 0),
                                                finalFraction: try flags.real("final_lr_fraction", in: 0...1))
        options.plotTemperatures = try flags.string("plot_temperatures")!.split(separator: ",").map { text in
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value > 0, value <= 100 else {
                throw UsageError("--plot_temperatures '\(flags.string("plot_temperatures")!)': '\(text)' is not a temperature in (0, 100]")
            }
            return value
        }
        guard !options.plotTemperatures.isEmpty else { throw UsageError("--plot_temperatures needs at least one temperature") }
        options.evaluationSize = try flags.integer("eval_size", minimum: 0)
        options.saveMinutes = try flags.real("save_minutes", in: 0...1e6)
        let quiet = flags.isSet("no_stdout")

        let dataset = try SharedFlags.dataset(name: options.data, dataPath: options.dataPath, split: .train,
                                              seed: options.seed, limit: options.trainSize)
        guard dataset.channels == configuration.channels, dataset.sideLength == configuration.sideLength else {
            throw UsageError("--data \(options.data) has \(dataset.channels) channels of side \(dataset.sideLength); "
                             + "set --nchannels \(dataset.channels) --L \(dataset.sideLength)")
        }
        guard options.batchSize <= dataset.count else {
            throw UsageError("--batch_size \(options.batchSize) exceeds the \(dataset.count) training images")
        }
        let loader = try BatchLoader(dataset: dataset, batchSize: options.batchSize, seed: options.seed)
        var testLoader: BatchLoader?
        if options.evaluationSize > 0 {
            let test = try SharedFlags.dataset(name: options.data, dataPath: options.dataPath, split: .test, seed: options.seed,
                                               limit: options.evaluationSize, limitFlag: "--eval_size")
            testLoader = try BatchLoader(dataset: test, batchSize: min(options.batchSize, options.evaluationSize), seed: options.seed,
                                         shuffle: false)
        }
        let command = (["rgflow"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        try withScalarType(options.dtype, Run(configuration: configuration, options: options, loader: loader, testLoader: testLoader,
                                              quiet: quiet, commandLine: command, networkFlags: networkFlags(flags)))
    }

    /// The first existing path on the way to `path` (itself included) that is not a folder.
    static func firstFile(onPathTo path: String) -> String? {
        var url = URL(fileURLWithPath: path).standardizedFileURL
        var candidates: [String] = []
        while url.path != "/" && !url.path.isEmpty {
            candidates.append(url.path)
            url.deleteLastPathComponent()
        }
        for candidate in candidates.reversed() {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder), !isFolder.boolValue { return candidate }
        }
        return nil
    }

    /// Bytes from `8G`, `8GiB`, `512M`, `64K` or a plain count (see `Int(byteSize:)`); nil for "".
    static func memorySize(_ text: String, flag: String) throws -> Int? {
        guard !text.allSatisfy({ $0 == " " || $0 == "\t" }) else { return nil }
        guard let bytes = Int(byteSize: text) else {
            throw UsageError("\(flag) '\(text)': expected a size such as 8G, 512M or 1048576 (bytes), above 0 and below 1 PiB")
        }
        return bytes
    }

    /// The flags that name this run's network and output, to repeat in the next commands.
    static func networkFlags(_ flags: ParsedFlags) -> String {
        let names = ["data", "data_path", "nchannels", "L", "prior", "prior_options", "subnet", "subnet_options", "kernel_size",
                     "nlayers", "nresblocks", "nmlp", "nhidden", "out_dir", "out_infix"]
        return names.filter(flags.wasGiven).map { name in
            let value = flags.string(name)!
            return "--\(name) \(value.isEmpty || value.contains(" ") ? "\"\(value)\"" : value)"
        }.joined(separator: " ")
    }

    struct Run: ScalarTypeBody {
        let configuration: FlowConfiguration
        let options: TrainingOptions
        let loader: BatchLoader
        let testLoader: BatchLoader?
        let quiet: Bool
        let commandLine: String
        let networkFlags: String

        func run<Scalar: TensorScalar>(_: Scalar.Type) throws {
            let trainer = Trainer<Scalar>(configuration: configuration, options: options)
            let terminal = isatty(STDOUT_FILENO) != 0
            trainer.printsLogLines = !quiet && !terminal
            let progress = ProgressBar(enabled: !quiet && terminal, epochs: options.epochs)
            trainer.onEvent = { event in
                progress.handle(event)
                if !quiet, let text = Self.describe(event) { print(text) }
            }
            if !quiet {
                let parameters = trainer.model.parameters.map(\.value.scalarCount).reduce(0, +)
                print("rgflow train: \(options.data), \(loader.dataset.count) images, \(configuration.networkName), "
                      + "\(parameters) parameters, \(options.dtype), \(Parallelism.threadCount) threads")
                if let paths = trainer.paths { print("output: \(paths.prefix.path)") }
                for line in trainer.memoryPlan?.description ?? [] { print(line) }
            }
            trainer.commandLine = commandLine
            let suffix = networkFlags.isEmpty ? "" : " " + networkFlags
            trainer.nextSteps = [
                "sample: swift run -c release --traits NativeCPU rgflow sample\(suffix) --temperature "
                    + RunHistory.key(options.plotTemperatures.min() ?? 1),
                "explore: swift run -c release --traits NativeCPU rgflow explore receptive-fields\(suffix)",
            ]
            if let variant = MSDSVariant(rawValue: options.data) {
                let score = MSDSSampleScore(variant: variant)
                trainer.sampleScorer = { score.score($0).fraction }
            }
            if let testLoader {
                trainer.testBatches = {
                    let batches = testLoader.batches(epoch: 1)
                    return { try batches.next() }
                }
            }
            if try trainer.resumeFromNewestCheckpoint() != nil { progress.resumed(checkpointAt: trainer.lastCheckpointSeconds) }
            try trainer.train(batchesPerEpoch: loader.batchCount, epochBatches: { epoch, first in
                let batches = loader.batches(epoch: epoch, startingAt: first)
                return { try batches.next() }
            }, writeSamples: writeGrid)
            progress.finish()
            if !quiet { printSummary(trainer) }
        }

        /// A line for the events a person should see beside the progress or the log lines.
        static func describe(_ event: TrainingEvent) -> String? {
            switch event {
            case .evaluated(let epoch, let bitsPerDimension):
                return String(format: "epoch %d: test bits/dim %.4f", epoch, bitsPerDimension)
            case .scored(let epoch, let temperature, let score):
                return String(format: "epoch %d: %.0f%% of the samples at T = %@ look like the data", epoch, score * 100,
                              RunHistory.key(temperature))
            case .resumed(let position, let url):
                return "resumed from \(position): \(url.path)"
            case .setAside(let url, let reason):
                return "set aside an unusable checkpoint as \(url.path): \(reason)"
            case .cleanedUp(let removed, let dropped):
                return "cleaned up after an interrupted run: removed \(removed.map(\.lastPathComponent).joined(separator: ", "))"
                    + (dropped > 0 ? "\(removed.isEmpty ? "" : ";") \(dropped) log lines after the checkpoint dropped" : "")
            case .batch, .epochFinished, .checkpointSaved, .samplesWritten:
                return nil
            }
        }

        /// What happened and what to do next: final numbers, where the files are, commands.
        func printSummary<Scalar: TensorScalar>(_ trainer: Trainer<Scalar>) {
            guard let last = trainer.history.epochs.last else {
                print("nothing to train: the run already has \(trainer.completedEpochs) of \(options.epochs) epochs")
                return
            }
            print("")
            for line in trainer.resultLines { print(line) }
            if let paths = trainer.paths {
                print("report:      \(paths.report.path)")
                print("loss curve:  \(paths.lossCurve.path)")
                for (temperature, grid) in last.grids.sorted(by: { $0.key < $1.key }) {
                    print("samples T=\(temperature): \(paths.prefix.deletingLastPathComponent().appendingPathComponent(grid).path)")
                }
                if let (position, url) = Checkpoint.positions(in: paths.checkpoints).last {
                    let seconds = Int(trainer.lastCheckpointSeconds)
                    print("checkpoint:  \(url.path) (\(position), written at \(seconds / 60)m\(String(format: "%02d", seconds % 60))s of training)")
                }
            }
            print("next:")
            for line in trainer.nextSteps { print("  " + line) }
        }
    }
}
