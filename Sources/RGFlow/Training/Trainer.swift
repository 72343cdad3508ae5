// The training loop: dequantise, loss, backward, clip, AdamW on a learning-rate schedule;
// logs, and resuming exactly where a run stopped. The end-of-epoch work is in
// Trainer+Epoch.swift.

import Autograd
import Foundation
import Tensor

/// Something a training run reports as it goes (for progress displays).
public enum TrainingEvent: Sendable {
    /// A batch finished; `batchesPerEpoch` and `imagesPerSecond` serve progress bars.
    case batch(TrainingLogLine, batchesPerEpoch: Int, imagesPerSecond: Double)
    /// An epoch finished, with its mean bits per dimension.
    case epochFinished(epoch: Int, bitsPerDimension: Double, seconds: Double)
    /// A checkpoint was written, at this many seconds of training.
    case checkpointSaved(URL, elapsedSeconds: Double)
    /// A sample grid was written.
    case samplesWritten(URL)
    /// The test split was evaluated after an epoch.
    case evaluated(epoch: Int, bitsPerDimension: Double)
    /// Samples were scored after an epoch.
    case scored(epoch: Int, temperature: Double, score: Double)
    /// The run continued from a checkpoint.
    case resumed(from: CheckpointPosition, url: URL)
    /// At resume, files a killed run left behind were removed (temporaries, checkpoints the
    /// rotation should have deleted) and the log was cut back to the checkpoint.
    case cleanedUp(removed: [URL], logLinesDropped: Int)
    /// At resume, a checkpoint that cannot be read was renamed aside (`….unusable`).
    case setAside(URL, reason: String)
}

/// A run that cannot continue, naming where and why.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    /// The explanation.
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Trains an ``RGFlowModel`` with AdamW, as the reference's training loop does.
///
/// Every random stream derives from the seed and the position in the run (shuffle from the
/// epoch, dequantisation noise from epoch and batch, sample plots from the epoch), and the
/// learning rate from the step, so a run resumed from a checkpoint continues bit for bit as
/// the uninterrupted run would.
public final class Trainer<Scalar: TensorScalar> {
    /// The model being trained.
    public let model: RGFlowModel<Scalar>
    /// Its optimiser.
    public let optimizer: AdamW<Scalar>
    /// The run's settings.
    public let options: TrainingOptions
    /// Where output goes, or nil when output is disabled.
    public let paths: RunPaths?
    /// Epochs completed so far (restored on resume).
    public internal(set) var completedEpochs = 0
    /// Receives progress events.
    public var onEvent: ((TrainingEvent) -> Void)?
    /// Whether log lines are also printed to standard output (the tool turns this off on a
    /// terminal, where it shows a progress bar, and for `--no_stdout`).
    public var printsLogLines = true
    /// Batches of the test split, for the bits/dim measured after plotted epochs
    /// (`options.evaluationSize` images); nil to skip.
    public var testBatches: (() -> () throws -> Tensor<Float>?)?
    /// The fraction of sample images that look like the data (e.g. the MSDS score), in
    /// [0, 1]; nil to skip.
    public var sampleScorer: ((Tensor<Float>) -> Double)?
    /// The command line shown on the run's report page.
    public var commandLine = ""
    /// Lines the report's summary ends with (what to run next).
    public var nextSteps: [String] = []
    /// The record of finished epochs (restored on resume).
    public internal(set) var history = RunHistory()
    /// Seconds trained before this process (restored on resume), so log times continue.
    var elapsedBeforeStart = 0.0
    /// Batches of epoch `completedEpochs + 1` already trained (a mid-epoch resume).
    var resumedBatches = 0
    /// Their per-sample losses' sum and count.
    var resumedEpochLoss: (sum: Double, images: Int) = (0, 0)
    /// Training seconds at the last checkpoint of any kind (for `saveMinutes`).
    public internal(set) var lastCheckpointSeconds = 0.0
    /// The activation memory plan `options.memoryBudgetBytes` asked for, nil without one.
    public private(set) var memoryPlan: ActivationMemoryPlan?

    /// A fresh model and optimiser for `configuration`, initialised from `options.seed`.
    public init(configuration: FlowConfiguration, options: TrainingOptions) {
        self.options = options
        model = RGFlowModel<Scalar>(configuration: configuration, seed: options.seed)
        model.network.recomputesActivations = options.recomputeSubnets
        if let budget = options.memoryBudgetBytes {
            memoryPlan = model.planActivationMemory(batchSize: options.batchSize, budgetBytes: budget)
            // The buffer cache would otherwise hold freed buffers of every size it has seen.
            BufferPool.limitResidentBytes(to: budget)
        }
        optimizer = AdamW(parameters: model.parameters, learningRate: options.learningRate,
                          weightDecay: options.weightDecay)
        paths = options.runPrefix(networkName: configuration.networkName).map(RunPaths.init)
    }

    /// A stream seeded by the run seed and a position in the run.
    func generator(_ stream: UInt64, _ epoch: Int, _ batch: Int = 0) -> TensorRandomGenerator {
        TensorRandomGenerator(seed: SplitMix64.combine(options.seed, stream, UInt64(epoch), UInt64(batch)))
    }

    /// One optimisation step on a batch `[B, C, L, L]` of pixels in [0, 1], at the rate the
    /// schedule gives step `optimizer.step` of `totalSteps`.
    ///
    /// - Returns: the per-sample losses.
    /// - Throws: ``TrainingError`` when the loss or the gradient norm is not finite.
    func step(pixels: Tensor<Float>, epoch: Int, batch: Int, totalSteps: Int) throws -> [Double] {
        optimizer.parameters.forEach { $0.zeroGradient() }
        var noise = generator(1, epoch, batch)
        let loss = model.loss(pixels: pixels.converted(to: Scalar.self), dequantizingWith: &noise)
        let values = loss.perSample.value.scalars.map(Double.init)
        guard values.allSatisfy(\.isFinite) else {
            throw TrainingError("epoch \(epoch) batch \(batch): the loss is not finite (\(values.first { !$0.isFinite }!)): "
                                + diagnoseNonFinite(pixels: pixels, epoch: epoch, batch: batch) + "; stopping, \(checkpointNote)")
        }
        loss.mean.backward()
        let norm = options.clipGradient > 0 ? clipGradientNorm(optimizer.parameters, maxNorm: options.clipGradient)
            : (optimizer.parameters.allSatisfy { $0.gradient?.scalars.allSatisfy(\.isFinite) ?? true } ? 0 : .nan)
        guard norm.isFinite else {
            throw TrainingError("epoch \(epoch) batch \(batch): the gradient is not finite: "
                                + diagnoseNonFinite(pixels: pixels, epoch: epoch, batch: batch) + "; stopping, \(checkpointNote)")
        }
        optimizer.learningRate = options.schedule.rate(base: options.learningRate, step: optimizer.step, totalSteps: totalSteps)
        optimizer.update()
        return values
    }

    /// Trains until `options.epochs` epochs are complete; see
    /// ``train(batchesPerEpoch:epochBatches:writeSamples:)-(_,(Int,Int)->_,_)``. An epoch resumed
    /// in the middle skips its first batches by drawing and dropping them.
    public func train(batchesPerEpoch: Int, epochBatches: (Int) -> () throws -> Tensor<Float>?,
                      writeSamples: (Tensor<Float>, URL) throws -> Void) throws {
        try train(batchesPerEpoch: batchesPerEpoch, epochBatches: { epoch, first in
            let next = epochBatches(epoch)
            for _ in 0..<first { _ = try next() }
            return next
        }, writeSamples: writeSamples)
    }

    /// Trains until `options.epochs` epochs are complete.
    ///
    /// Every `options.saveMinutes` minutes of training a mid-epoch checkpoint is written at the
    /// next batch boundary (`epoch{e}_batch{b}.safetensors`, the newest two kept), so a killed
    /// run loses at most those minutes; epoch checkpoints follow `saveEpoch`/`keepEpoch` as the
    /// reference's.
    ///
    /// - Parameters:
    ///   - batchesPerEpoch: the number of batches each epoch yields.
    ///   - epochBatches: returns, for an epoch and the first batch wanted (not 0 when the epoch
    ///     resumes in the middle), a function yielding the batches `[B, C, L, L]` of pixels in
    ///     [0, 1] from there on (nil at the end).
    ///   - writeSamples: writes a grid of sample images `[N, C, L, L]` in [0, 1] to a file.
    public func train(batchesPerEpoch: Int, epochBatches: (_ epoch: Int, _ firstBatch: Int) throws -> () throws -> Tensor<Float>?,
                      writeSamples: (Tensor<Float>, URL) throws -> Void) throws {
        let log = try paths.map { try LogFile(url: $0.log) }
        let start = DispatchTime.now().uptimeNanoseconds
        let before = elapsedBeforeStart
        func elapsed() -> Double { before + Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let totalSteps = options.epochs * batchesPerEpoch
        lastCheckpointSeconds = before
        while completedEpochs < options.epochs {
            let epoch = completedEpochs + 1
            var batch = resumedBatches
            var (epochLoss, epochImages) = resumedEpochLoss
            resumedBatches = 0
            resumedEpochLoss = (0, 0)
            let next = try epochBatches(epoch, batch)
            let epochStart = elapsed()
            while let pixels = try next() {
                let batchStart = elapsed()
                let losses = try step(pixels: pixels, epoch: epoch, batch: batch, totalSteps: totalSteps)
                let mean = losses.reduce(0, +) / Double(losses.count)
                let deviation = losses.count > 1
                    ? (losses.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(losses.count - 1)).squareRoot() : .nan
                let line = TrainingLogLine(epoch: epoch, batch: batch, bitsPerDimension: (mean + Foundation.log(256)) / Foundation.log(2),
                                           meanLoss: mean, lossStandardDeviation: deviation, seconds: elapsed())
                if options.printStep > 0 && batch % options.printStep == 0 {
                    try log?.append(line.text)
                    // Unbuffered, so a pipe or a file sees each line as it is logged.
                    if printsLogLines { try? FileHandle.standardOutput.write(contentsOf: Data((line.text + "\n").utf8)) }
                }
                epochLoss += mean * Double(losses.count)
                epochImages += losses.count
                onEvent?(.batch(line, batchesPerEpoch: batchesPerEpoch,
                                imagesPerSecond: Double(losses.count) / Swift.max(elapsed() - batchStart, 1e-9)))
                batch += 1
                if options.saveMinutes > 0, batch < batchesPerEpoch, elapsed() - lastCheckpointSeconds >= options.saveMinutes * 60 {
                    try saveMidEpoch(epoch: epoch, batches: batch, epochLoss: (epochLoss, epochImages), elapsed: elapsed())
                }
            }
            completedEpochs = epoch
            let epochBPD = (epochLoss / Double(Swift.max(epochImages, 1)) + Foundation.log(256)) / Foundation.log(2)
            onEvent?(.epochFinished(epoch: epoch, bitsPerDimension: epochBPD, seconds: elapsed() - epochStart))
            try finishEpoch(epoch, trainBitsPerDimension: epochBPD, elapsed: elapsed(), batchesPerEpoch: batchesPerEpoch,
                            writeSamples: writeSamples)
        }
    }
}

/// An append-only log file, written line by line so a killed run keeps its log.
final class LogFile {
    private let handle: FileHandle
    private let url: URL

    init(url: URL) throws {
        self.url = url
        try AtomicFile.makeFolder(url.deletingLastPathComponent())
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw TrainingError("\(url.path): cannot create the log file (is the folder writable?)")
            }
        }
        do {
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw TrainingError("cannot open the log file: \(plainFileErrorDescription(error) ?? url.path)")
        }
    }

    func append(_ line: String) throws {
        do {
            try handle.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            throw TrainingError("\(url.path): cannot write the log: \(plainFileErrorDescription(error) ?? "\(error)")")
        }
    }

    deinit { try? handle.close() }
}
