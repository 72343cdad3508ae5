// `rgflow train`: the main job. Parses the reference's flags, builds the data, model and
// trainer, resumes from the newest checkpoint, and shows progress.

import Datasets
import Foundation
import RGFlow
import Tensor

enum TrainCommand {
    static let specifications = SharedFlags.network + SharedFlags.run + [
        FlagSpecification(["batch_size"], default: "64", "images per batch"),
        FlagSpecification(["lr"], default: "1e-3", "AdamW learning rate"),
        FlagSpecification(["weight_decay"], default: "5e-2", "AdamW decoupled weight decay"),
        FlagSpecification(["epoch"], default: "6", "epochs to train (paper: 500)"),
        FlagSpecification(["clip_grad"], default: "1", "global gradient-norm clip; 0 disables"),
        FlagSpecification(["train_size"], default: "12800", "train on the first N training images; 0 for all"),
        FlagSpecification(["print_step"], default: "1", "log every N batches; 0 never"),
        FlagSpecification(["save_epoch"], default: "1", "checkpoint every N epochs; 0 never"),
        FlagSpecification(["keep_epoch"], default: "10", "keep the checkpoints of epochs divisible by N"),
        FlagSpecification(["plot_epoch"], default: "1", "sample grid every N epochs; 0 never"),
        FlagSpecification(["no_stdout"], value: false, "do not print log lines or progress"),
        FlagSpecification(["recompute"], value: false, "recompute subnet activations in backward (less memory)"),
        FlagSpecification(["help", "h"], value: false, "show this help"),
    ]

    static let summary = """
        Trains RG-Flow. With no flags: msds1 generated in memory (no files, no downloads), a small
        network, 6 epochs of 12800 images; the paper's settings are --nlayers 8,6,4,2 --nresblocks 4
        --nmlp 2 --nhidden 512 --epoch 500 --train_size 0. Output goes to
        {out_dir}/{data}/{network}/out{infix}.log, ..._save/{epoch}.safetensors and
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
        options.epochs = try flags.integer("epoch", minimum: 0)
        options.clipGradient = try flags.real("clip_grad", in: 0...1e12)
        options.printStep = try flags.integer("print_step", minimum: 0)
        options.saveEpoch = try flags.integer("save_epoch", minimum: 0)
        options.keepEpoch = try flags.integer("keep_epoch", minimum: 0)
        options.plotEpoch = try flags.integer("plot_epoch", minimum: 0)
        options.outDirectory = flags.string("out_dir")!
        options.outInfix = flags.string("out_infix")!
        options.seed = try SharedFlags.seed(flags)
        let trainSize = try flags.integer("train_size", minimum: 0)
        options.trainSize = trainSize == 0 ? nil : trainSize
        options.dtype = try flags.choice("dtype", ["float32", "float64"])
        options.recomputeSubnets = flags.isSet("recompute")
        let quiet = flags.isSet("no_stdout")

        let dataset = try SharedFlags.dataset(name: options.data, dataPath: options.dataPath, split: .train,
                                              seed: options.seed, limit: options.trainSize)
        guard dataset.channels == configuration.channels, dataset.sideLength == configuration.sideLength else {
            throw UsageError("--data \(options.data) has \(dataset.channels) channels of side \(dataset.sideLength); "
                             + "set --nchannels \(dataset.channels) --L \(dataset.sideLength)")
        }
        let loader = try BatchLoader(dataset: dataset, batchSize: options.batchSize, seed: options.seed)
        try withScalarType(options.dtype, Run(configuration: configuration, options: options, loader: loader, quiet: quiet))
    }

    struct Run: ScalarTypeBody {
        let configuration: FlowConfiguration
        let options: TrainingOptions
        let loader: BatchLoader
        let quiet: Bool

        func run<Scalar: TensorScalar>(_: Scalar.Type) throws {
            let trainer = Trainer<Scalar>(configuration: configuration, options: options)
            let terminal = isatty(STDOUT_FILENO) != 0
            trainer.printsLogLines = !quiet && !terminal
            let progress = ProgressBar(enabled: !quiet && terminal, epochs: options.epochs)
            trainer.onEvent = { event in
                progress.handle(event)
                if !quiet, !terminal, case .resumed(let epoch, let url) = event {
                    print("resumed from epoch \(epoch): \(url.path)")
                }
            }
            if !quiet {
                let parameters = trainer.model.parameters.map(\.value.scalarCount).reduce(0, +)
                print("rgflow train: \(options.data), \(loader.dataset.count) images, \(configuration.networkName), "
                      + "\(parameters) parameters, \(options.dtype), \(Parallelism.threadCount) threads")
                if let paths = trainer.paths { print("output: \(paths.prefix.path)") }
            }
            try trainer.resumeFromNewestCheckpoint()
            try trainer.train(batchesPerEpoch: loader.batchCount, epochBatches: { epoch in
                let batches = loader.batches(epoch: epoch)
                return { try batches.next() }
            }, writeSamples: writeGrid)
            progress.finish()
        }
    }
}
