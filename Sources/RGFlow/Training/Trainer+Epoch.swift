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
            record.checkpoint = paths.relative(url)
            onEvent?(.checkpointSaved(url))
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

    /// Bits/dim of the batches (no gradients), dequantised with the same noise every time, so
    /// epochs compare like with like.
    public func evaluate(_ batches: () throws -> Tensor<Float>?) throws -> Double {
        try model.bitsPerDimension(over: batches) { self.generator(3, 0, $0) }.bitsPerDimension
    }
}
