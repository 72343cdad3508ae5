// The training machinery: AdamW against hand-computed steps, clipping, the log format,
// checkpoints (round trip, rotation, interrupted writes), exact resume, and a falling loss.

import Autograd
import Foundation
import RGFlow
import Tensor
import Testing

@Suite("Training")
struct TrainingTests {
    @Test("AdamW matches the update rule computed by hand, with decay and bias correction")
    func adamW() {
        let parameter = Parameter(Tensor<Double>(shape: [2], scalars: [1.0, -2.0]))
        let optimizer = AdamW(parameters: [parameter], learningRate: 0.1, betas: (0.9, 0.999), epsilon: 1e-8, weightDecay: 0.05)
        let gradients: [[Double]] = [[0.5, -1.0], [0.25, 3.0], [-0.75, 0.5]]
        var p = [1.0, -2.0], m = [0.0, 0.0], v = [0.0, 0.0]
        for (step, gradient) in gradients.enumerated() {
            parameter.gradient = Tensor(shape: [2], scalars: gradient)
            optimizer.update()
            let t = Double(step + 1)
            for i in 0..<2 {
                p[i] *= 1 - 0.1 * 0.05
                m[i] = 0.9 * m[i] + 0.1 * gradient[i]
                v[i] = 0.999 * v[i] + 0.001 * gradient[i] * gradient[i]
                let mHat = m[i] / (1 - pow(0.9, t)), vHat = v[i] / (1 - pow(0.999, t))
                p[i] -= 0.1 * mHat / (vHat.squareRoot() + 1e-8)
            }
            for (actual, expected) in zip(parameter.value.scalars, p) {
                #expect(abs(actual - expected) <= 1e-14 * max(1, abs(expected)), "step \(step + 1): \(actual) vs \(expected)")
            }
        }
        #expect(optimizer.step == 3)
    }

    @Test("the fused in-place AdamW pass equals the update's tensor expression bit for bit",
          arguments: [1, 7, 70_001])
    func adamWFusedPass(count: Int) {
        var generator = TensorRandomGenerator(seed: 11)
        let start = Tensor<Float>.normal([count], using: &generator)
        let parameter = Parameter(start)
        let optimizer = AdamW(parameters: [parameter], learningRate: 3e-3, betas: (0.9, 0.999), epsilon: 1e-8, weightDecay: 0.05)
        var p = start, m = Tensor<Float>.zeros([count]), v = Tensor<Float>.zeros([count])
        for step in 1...4 {
            let gradient = Tensor<Float>.normal([count], standardDeviation: Float(step), using: &generator)
            parameter.gradient = gradient
            optimizer.update()
            // The update as tensor operations, each rounded to Float as the kernel rounds it.
            m = m * Float(0.9) + gradient * Float(1 - 0.9)
            v = v * Float(0.999) + gradient.squared() * Float(1 - 0.999)
            let denominator = v.squareRoot() / Float((1 - pow(0.999, Double(step))).squareRoot()) + Float(1e-8)
            p = p * Float(1 - 3e-3 * 0.05) - m / denominator * Float(3e-3 / (1 - pow(0.9, Double(step))))
            #expect(parameter.value.scalars == p.scalars, "step \(step): parameters differ")
            #expect(optimizer.firstMoments[0]!.scalars == m.scalars && optimizer.secondMoments[0]!.scalars == v.scalars,
                    "step \(step): moments differ")
        }
    }

    @Test("a parameter without a gradient is left alone")
    func adamWSkipsMissingGradients() {
        let a = Parameter(Tensor<Double>(shape: [1], scalars: [1])), b = Parameter(Tensor<Double>(shape: [1], scalars: [1]))
        let optimizer = AdamW(parameters: [a, b], learningRate: 0.1, weightDecay: 0.5)
        a.gradient = Tensor(shape: [1], scalars: [1])
        optimizer.update()
        #expect(b.value.scalars == [1])
        #expect(a.value.scalars != [1])
    }

    @Test("clipping scales all gradients by maxNorm / (norm + 1e-6) only above the limit")
    func clipping() {
        let a = Parameter(Tensor<Double>.zeros([2])), b = Parameter(Tensor<Double>.zeros([1]))
        a.gradient = Tensor(shape: [2], scalars: [3, 0])
        b.gradient = Tensor(shape: [1], scalars: [4])
        let norm = clipGradientNorm([a, b], maxNorm: 1)
        #expect(norm == 5)
        let coefficient = 1 / (5 + 1e-6)
        #expect(a.gradient!.scalars == [3 * coefficient, 0])
        #expect(b.gradient!.scalars == [4 * coefficient])
        a.gradient = Tensor(shape: [2], scalars: [0.3, 0])
        b.gradient = Tensor(shape: [1], scalars: [0.4])
        clipGradientNorm([a, b], maxNorm: 1)
        #expect(a.gradient!.scalars == [0.3, 0])
    }

    @Test("log lines are formatted as the reference's (expected text from Python's format)")
    func logFormat() {
        // '{:.8g}'.format(...) and '{:.3f}'.format(...) in Python 3.11 printed these.
        let line = TrainingLogLine(epoch: 3, batch: 17, bitsPerDimension: 9.753170512345, meanLoss: 1.2152052345e-05,
                                   lossStandardDeviation: 123456789.0, seconds: 0.6804)
        #expect(line.text == "epoch 3 batch 17 bpp 9.7531705 loss 1.2152052e-05 +- 1.2345679e+08 time 0.680")
        let other = TrainingLogLine(epoch: 1, batch: 0, bitsPerDimension: 2.0, meanLoss: .nan, lossStandardDeviation: 2.0, seconds: 12.0005)
        #expect(other.text == "epoch 1 batch 0 bpp 2 loss nan +- 2 time 12.001")
        #expect(TrainingLogLine(parsing: line.text)?.batch == 17)
    }

    // MARK: - Runs

    static func configuration(prior: ComponentSpecification = "laplace",
                              coupling: ComponentSpecification = "rnvp") throws -> FlowConfiguration {
        try FlowConfiguration(channels: 1, sideLength: 8, kernelSize: 4, prior: prior, coupling: coupling, layers: "1",
                              residualBlocks: "1", hiddenLayers: "1", hiddenWidths: "16")
    }

    /// Components a resumed run must continue exactly with: both reference couplings, the
    /// additive one, a prior with options and a prior with trainable parameters.
    static let components: [(prior: ComponentSpecification, coupling: ComponentSpecification)] = [
        ("laplace", "rnvp"), ("gaussian", "ar"), (ComponentSpecification("studentt", options: ["nu": .number(3)]), "additive"),
        ("level_laplace", "rnvp"),
    ]

    /// Four fixed batches of smooth 8 x 8 images.
    static let batches: [Tensor<Float>] = (0..<4).map { index in
        var generator = TensorRandomGenerator(seed: UInt64(index))
        let noise = Tensor<Float>.uniform([4, 1, 8, 8], low: 0, high: 0.2, using: &generator)
        let ramp = Tensor<Float>.arange(0, 64).reshaped([1, 1, 8, 8]) / 80
        return noise + ramp
    }

    static func options(_ folder: URL, epochs: Int) -> TrainingOptions {
        var options = TrainingOptions()
        options.data = "toy"
        options.batchSize = 4
        options.epochs = epochs
        options.outDirectory = folder.path
        options.plotEpoch = 0
        options.printStep = 1
        options.seed = 7
        options.keepEpoch = 3
        return options
    }

    static func run(_ trainer: Trainer<Float>) throws {
        trainer.printsLogLines = false
        try trainer.train(batchesPerEpoch: batches.count, epochBatches: { _ in
            var index = 0
            return {
                defer { index += 1 }
                return index < batches.count ? batches[index] : nil
            }
        }, writeSamples: { _, _ in })
    }

    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rgflow-training-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("a resumed run ends with the same weights as an uninterrupted one", arguments: 0..<components.count)
    func resumeEquality(component: Int) throws {
        let (prior, coupling) = Self.components[component]
        let configuration = try Self.configuration(prior: prior, coupling: coupling)
        let straightFolder = try temporaryFolder(), resumedFolder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: straightFolder); try? FileManager.default.removeItem(at: resumedFolder) }
        let straight = Trainer<Float>(configuration: configuration, options: Self.options(straightFolder, epochs: 2))
        try Self.run(straight)
        let first = Trainer<Float>(configuration: configuration, options: Self.options(resumedFolder, epochs: 1))
        try Self.run(first)
        let second = Trainer<Float>(configuration: configuration, options: Self.options(resumedFolder, epochs: 2))
        #expect(try second.resumeFromNewestCheckpoint() == 1)
        try Self.run(second)
        #expect(second.optimizer.step == straight.optimizer.step)
        #expect(straight.model.namedParameters.map(\.name) == second.model.namedParameters.map(\.name))
        for (a, b) in zip(straight.model.parameters, second.model.parameters) {
            #expect(a.value.scalars == b.value.scalars)
        }
        // The checkpoint records the components with their options, and a trainable prior's
        // parameters (under prior.…) trained and were saved.
        let file = try Safetensors(contentsOf: try #require(second.paths).checkpoint(epoch: 2))
        let info = try Checkpoint.info(of: file)
        #expect(info.configuration == configuration)
        for (name, parameter) in second.model.namedParameters where name.hasPrefix("prior.") {
            #expect(try file.tensor(named: name, as: Float.self).scalars == parameter.value.scalars)
            #expect(parameter.value.scalars != LevelLaplacePrior<Float>(levels: configuration.latentLevels).logScale.value.scalars,
                    "\(name) did not train")
        }
        // Both logs hold the same lines apart from the times.
        let strip = { (url: URL) in try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ").dropLast().joined(separator: " ") } }
        #expect(try strip(straight.paths!.log) == strip(second.paths!.log))
    }

    @Test("checkpoints round-trip weights and AdamW state, and rotate as the reference's")
    func checkpoints() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = Trainer<Float>(configuration: try Self.configuration(), options: Self.options(folder, epochs: 4))
        try Self.run(trainer)
        let paths = try #require(trainer.paths)
        // save_epoch 1, keep_epoch 3: saving e deletes e - 1 unless it is a multiple of 3.
        #expect(Checkpoint.epochs(in: paths.checkpoints) == [3, 4])
        let restored = RGFlowModel<Float>(configuration: try Self.configuration(), seed: 99)
        let optimizer = AdamW(parameters: restored.parameters)
        let info = try Checkpoint.load(try Safetensors(contentsOf: paths.checkpoint(epoch: 4)), into: restored, optimizer: optimizer)
        #expect(info.epoch == 4)
        #expect(optimizer.step == trainer.optimizer.step)
        for (a, b) in zip(trainer.model.parameters, restored.parameters) { #expect(a.value.scalars == b.value.scalars) }
        for (a, b) in zip(trainer.optimizer.secondMoments, optimizer.secondMoments) { #expect(a?.scalars == b?.scalars) }
    }

    /// Trains one epoch into `folder` and returns its paths and the bytes of its checkpoint.
    func oneEpochCheckpoint(in folder: URL) throws -> (RunPaths, Data) {
        let trainer = Trainer<Float>(configuration: try Self.configuration(), options: Self.options(folder, epochs: 1))
        try Self.run(trainer)
        let paths = try #require(trainer.paths)
        return (paths, try Data(contentsOf: paths.checkpoint(epoch: 1)))
    }

    @Test("a write killed midway (a truncated temporary file) never replaces the good checkpoint")
    func interruptedWrite() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (paths, good) = try oneEpochCheckpoint(in: folder)
        // What a kill during the next save leaves: a partial temporary file beside the good one.
        try good.prefix(good.count / 3).write(to: paths.checkpoints.appendingPathComponent(".2.safetensors.tmp"))
        #expect(Checkpoint.epochs(in: paths.checkpoints) == [1])
        let resumed = Trainer<Float>(configuration: try Self.configuration(), options: Self.options(folder, epochs: 1))
        #expect(try resumed.resumeFromNewestCheckpoint() == 1)
        #expect(try Data(contentsOf: paths.checkpoint(epoch: 1)) == good)
        // A truncated newest checkpoint is never loaded: it is set aside, named in an event,
        // and the run resumes from the newest good one.
        let truncated = paths.checkpoints.appendingPathComponent("5.safetensors")
        try good.prefix(100).write(to: truncated)
        var asides: [String] = []
        resumed.onEvent = { if case .setAside(let url, let reason) = $0 { asides.append(url.lastPathComponent + " " + reason) } }
        #expect(try resumed.resumeFromNewestCheckpoint() == 1)
        #expect(asides.count == 1 && asides[0].hasPrefix("5.safetensors.unusable") && asides[0].contains("5.safetensors"), "\(asides)")
        #expect(!FileManager.default.fileExists(atPath: truncated.path))
        #expect(FileManager.default.fileExists(atPath: truncated.path + ".unusable"))
        #expect(Checkpoint.epochs(in: paths.checkpoints) == [1])
    }

    @Test("a non-finite loss stops the run naming epoch and batch; the checkpoint stays intact")
    func nonFiniteLoss() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (paths, good) = try oneEpochCheckpoint(in: folder)
        let broken = Trainer<Float>(configuration: try Self.configuration(), options: Self.options(folder, epochs: 2))
        broken.printsLogLines = false
        try broken.resumeFromNewestCheckpoint()
        var bad = Self.batches[0]
        bad[0, 0, 3, 3] = .nan
        do {
            try broken.train(batchesPerEpoch: 2, epochBatches: { _ in
                var index = 0
                return { defer { index += 1 }; return index == 0 ? Self.batches[1] : index == 1 ? bad : nil }
            }, writeSamples: { _, _ in })
            Issue.record("training went on through a NaN")
        } catch {
            // The message names the batch, the first step whose output broke, and the checkpoint kept.
            let text = "\(error)"
            #expect(text.contains("epoch 2 batch 1"), "\(text)")
            #expect(text.contains("the first non-finite output is that of logit transform"), "\(text)")
            #expect(text.contains("the last checkpoint, \(paths.checkpoint(epoch: 1).path), is kept"), "\(text)")
        }
        #expect(try Data(contentsOf: paths.checkpoint(epoch: 1)) == good)
        #expect(Checkpoint.epochs(in: paths.checkpoints) == [1])
    }

    @Test("a subnet that goes non-finite is named by its state-dict prefix, and no checkpoint is claimed when none exists")
    func nonFiniteSubnetIsNamed() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = Trainer<Float>(configuration: try Self.configuration(), options: Self.options(folder, epochs: 1))
        trainer.printsLogLines = false
        let parameter = try #require(trainer.model.namedParameters.first { $0.name == "layers.2.t_layers.0.res_blocks.0.1.weight_v" })
        parameter.parameter.value = parameter.parameter.value * .infinity
        do {
            try Self.run(trainer)
            Issue.record("training went on through an infinite weight")
        } catch {
            let text = "\(error)"
            #expect(text.contains("epoch 1 batch 0"), "\(text)")
            #expect(text.contains("layers.2.t_layers.0 (t network), whose input ranged over ["), "\(text)")
            #expect(text.contains(", in RG layer 2 (level 1)"), "\(text)")
            #expect(text.contains("no checkpoint has been written yet"), "\(text)")
        }
        #expect(Checkpoint.epochs(in: try #require(trainer.paths).checkpoints).isEmpty)
    }

    @Test("a short training run lowers the loss")
    func lossFalls() throws {
        var options = Self.options(URL(fileURLWithPath: "/"), epochs: 6)
        options.outDirectory = ""
        options.learningRate = 3e-3
        let trainer = Trainer<Float>(configuration: try Self.configuration(), options: options)
        let pixels = Self.batches[0].converted(to: Float.self)
        let before = GradientMode.withoutGradients { trainer.model.loss(pixels: pixels).mean.value.scalar }
        try Self.run(trainer)
        let after = GradientMode.withoutGradients { trainer.model.loss(pixels: pixels).mean.value.scalar }
        #expect(after < before - 0.05, "loss \(before) -> \(after)")
    }
}

/// A run stopped in the middle of an epoch, as a kill would stop it.
struct Interruption: Error {}

@Suite("Mid-epoch checkpoints")
struct MidEpochCheckpointTests {
    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rgflow-midepoch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Trains `epochs` epochs of the four toy batches, stopping (throwing) when batch
    /// `stopBatch` of epoch `stopEpoch` is asked for.
    static func run(_ trainer: Trainer<Float>, stoppingAt stop: (epoch: Int, batch: Int)? = nil) throws {
        trainer.printsLogLines = false
        try trainer.train(batchesPerEpoch: TrainingTests.batches.count, epochBatches: { epoch, first in
            var index = first
            return {
                defer { index += 1 }
                if let stop, stop == (epoch, index) { throw Interruption() }
                return index < TrainingTests.batches.count ? TrainingTests.batches[index] : nil
            }
        }, writeSamples: { _, _ in })
    }

    static func options(_ folder: URL) -> TrainingOptions {
        var options = TrainingTests.options(folder, epochs: 3)
        options.saveMinutes = 1e-12  // a checkpoint after every batch
        options.plotEpoch = 1
        return options
    }

    @Test("a run interrupted inside an epoch resumes at the next batch and ends bit-identical, every log line once",
          arguments: ["rnvp", "ar"], [(2, 1), (2, 3), (3, 2)])
    func interruptedInsideAnEpoch(coupling: String, stop: (epoch: Int, batch: Int)) throws {
        let configuration = try TrainingTests.configuration(coupling: ComponentSpecification(coupling))
        let straightFolder = try temporaryFolder(), resumedFolder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: straightFolder); try? FileManager.default.removeItem(at: resumedFolder) }
        let straight = Trainer<Float>(configuration: configuration, options: Self.options(straightFolder))
        try Self.run(straight)
        let first = Trainer<Float>(configuration: configuration, options: Self.options(resumedFolder))
        #expect(throws: Interruption.self) { try Self.run(first, stoppingAt: stop) }
        let paths = try #require(first.paths)
        // The newest checkpoint is the mid-epoch one after the last finished batch; two are kept.
        let positions = Checkpoint.positions(in: paths.checkpoints).map(\.position)
        #expect(positions.last == CheckpointPosition(epoch: stop.epoch, batches: stop.batch), "\(positions)")
        #expect(positions.filter { $0.batches != nil }.count <= 2, "\(positions)")
        let second = Trainer<Float>(configuration: configuration, options: Self.options(resumedFolder))
        #expect(try second.resumeFromNewestCheckpoint() == stop.epoch)
        try Self.run(second)
        #expect(second.optimizer.step == straight.optimizer.step)
        for (a, b) in zip(straight.model.namedParameters, second.model.namedParameters) {
            #expect(a.parameter.value.scalars == b.parameter.value.scalars, "\(a.name) differs after the resume")
        }
        for (a, b) in zip(straight.optimizer.secondMoments, second.optimizer.secondMoments) { #expect(a?.scalars == b?.scalars) }
        // Every batch exactly once, in order, with the same numbers; and the same epoch means.
        let strip = { (url: URL) in
            try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ").dropLast().joined(separator: " ") }
        }
        #expect(try strip(straight.paths!.log) == strip(paths.log))
        #expect(straight.history.epochs.map(\.trainBitsPerDimension) == second.history.epochs.map(\.trainBitsPerDimension))
        // Times continue from the checkpoint: the log's times never go back.
        let times = try String(contentsOf: paths.log, encoding: .utf8).split(separator: "\n").compactMap { TrainingLogLine(parsing: String($0))?.seconds }
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "\(times)")
        // The epoch checkpoints supersede the mid-epoch ones before them.
        #expect(Checkpoint.positions(in: paths.checkpoints).allSatisfy { $0.position.batches == nil || $0.position.epoch > 3 })
    }
}
