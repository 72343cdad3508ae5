// The end of an epoch: checkpoint, sample grids at each plotting temperature and their score,
// test bits/dim, the run's history, and its report (loss-curve SVG and HTML page).

import Autograd
import Foundation
import Tensor

extension Trainer {
    /// Everything that follows the last batch of `epoch`.
    func finishEpoch(_ epoch: Int, trainBitsPerDimension: Double, elapsed: Double, batchesPerEpoch: Int,
                     writeSamples: (Tensor<Float>, URL) throws -> Void) throws {
        guard let paths else { return }
        var record = RunHistory.Epoch(epoch: epoch, trainBitsPerDimension: trainBitsPerDimension, elapsedSeconds: elapsed)
        // A checkpoint is never written from weights that are not finite (a step can overflow
        // them while its own loss was still finite).
        if let name = firstNonFiniteParameter {
            throw TrainingError("epoch \(epoch): parameter \(name) is not finite after the epoch's last update; not saving it; stopping, \(checkpointNote)")
        }
        if options.saveEpoch > 0 && epoch % options.saveEpoch == 0 {
            let url = paths.checkpoint(epoch: epoch)
            try Checkpoint.save(model: model, optimizer: optimizer, epoch: epoch, options: options, elapsedSeconds: elapsed, to: url)
            Checkpoint.rotate(in: paths, savedEpoch: epoch, saveEpoch: options.saveEpoch, keepEpoch: options.keepEpoch)
            removeMidEpochCheckpoints(before: CheckpointPosition(epoch: epoch))
            lastCheckpointSeconds = elapsed
            record.checkpoint = paths.relative(url)
            onEvent?(.checkpointSaved(url, elapsedSeconds: elapsed))
        }
        if options.plotEpoch > 0 && epoch % options.plotEpoch == 0 {
            try AtomicFile.makeFolder(paths.samples)
            for (index, temperature) in options.plotTemperatures.enumerated() {
                // One stream per (epoch, temperature), so a resumed run draws the same grids.
                var sampling = generator(2, epoch, index)
                // The reference draws batch_size samples; at most 64 (an 8 x 8 grid) here.
                let samples = model.samplePixels(count: Swift.min(options.batchSize, 64), temperature: Scalar(temperature),
                                                 using: &sampling)
                    .converted(to: Float.self)
                let url = paths.samplePlot(epoch: epoch, temperature: temperature)
                try writeSamples(samples, url)
                record.grids[RunHistory.key(temperature)] = paths.relative(url)
                onEvent?(.samplesWritten(url))
                if let sampleScorer {
                    let score = sampleScorer(samples)
                    record.sampleScores[RunHistory.key(temperature)] = score
                    onEvent?(.scored(epoch: epoch, temperature: temperature, score: score))
                }
            }
            if options.evaluationSize > 0, let testBatches {
                let bitsPerDimension = try evaluate(testBatches())
                record.testBitsPerDimension = bitsPerDimension
                onEvent?(.evaluated(epoch: epoch, bitsPerDimension: bitsPerDimension))
            }
        }
        history.epochs.removeAll { $0.epoch >= epoch }
        history.epochs.append(record)
        try history.write(to: paths.history)
        try writeReport(batchesPerEpoch: batchesPerEpoch)
    }

    /// Writes the mid-epoch checkpoint after `batches` batches of `epoch` and keeps only the
    /// newest two mid-epoch checkpoints.
    func saveMidEpoch(epoch: Int, batches: Int, epochLoss: (sum: Double, images: Int), elapsed: Double) throws {
        guard let paths else { return }
        if let name = firstNonFiniteParameter {
            throw TrainingError("epoch \(epoch) batch \(batches - 1): parameter \(name) is not finite; not saving it; stopping, \(checkpointNote)")
        }
        let url = paths.checkpoint(epoch: epoch, batches: batches)
        try Checkpoint.save(model: model, optimizer: optimizer, epoch: epoch, batchesInEpoch: batches, epochLoss: epochLoss,
                            options: options, elapsedSeconds: elapsed, to: url)
        lastCheckpointSeconds = elapsed
        let midEpoch = Checkpoint.positions(in: paths.checkpoints).filter { $0.position.batches != nil }
        for (_, old) in midEpoch.dropLast(2) { try? FileManager.default.removeItem(at: old) }
        onEvent?(.checkpointSaved(url, elapsedSeconds: elapsed))
    }

    /// Deletes the mid-epoch checkpoints before `position` (an epoch checkpoint supersedes them).
    func removeMidEpochCheckpoints(before position: CheckpointPosition) {
        guard let paths else { return }
        for (old, url) in Checkpoint.positions(in: paths.checkpoints) where old.batches != nil && old < position {
            try? FileManager.default.removeItem(at: url)
        }
    }

    /// Bits/dim of the batches (no gradients), dequantised with the same noise every time, so
    /// epochs compare like with like.
    public func evaluate(_ batches: () throws -> Tensor<Float>?) throws -> Double {
        try model.bitsPerDimension(over: batches) { self.generator(3, 0, $0) }.bitsPerDimension
    }
}
