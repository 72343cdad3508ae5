// The run's pictures, redrawn after every epoch: the loss curve as SVG beside the log, and
// the report page {prefix}.html with the configuration, curve, latest grids and scores.

import Foundation
import Tensor

extension Trainer {
    /// Train bits/dim of every logged batch, at fractional epochs `epoch - 1 + (batch + 1) / B`.
    func loggedCurve(batchesPerEpoch: Int) -> [CurvePoint] {
        guard let paths, let text = try? String(contentsOf: paths.log, encoding: .utf8) else { return [] }
        let perEpoch = Double(Swift.max(batchesPerEpoch, 1))
        return text.split(separator: "\n").compactMap { TrainingLogLine(parsing: String($0)) }.map {
            CurvePoint(x: Double($0.epoch - 1) + Double($0.batch + 1) / perEpoch, y: $0.bitsPerDimension)
        }
    }

    /// A y range that shows the run rather than its first batches: from just below the lowest
    /// value to the 98th percentile of the train values after the first 2% of the run.
    static func focusedRange(_ train: [CurvePoint], _ test: [CurvePoint]) -> ClosedRange<Double>? {
        let values = train.dropFirst(train.count / 50).map(\.y).filter(\.isFinite).sorted()
        let all = (values + test.map(\.y)).filter(\.isFinite)
        guard let low = all.min(), !values.isEmpty else { return nil }
        let high = Swift.max(values[Swift.min(values.count - 1, values.count * 98 / 100)], test.map(\.y).filter(\.isFinite).max() ?? low)
        let margin = Swift.max((high - low) * 0.05, 0.01)
        return (low - margin)...(high + margin)
    }

    /// The settings shown on the report.
    var reportSettings: [RunReport.Setting] {
        let c = model.configuration
        return [
            .init("network", c.networkName), .init("data", options.data),
            .init("images", options.trainSize.map(String.init) ?? "all"), .init("channels, L, K", "\(c.channels), \(c.sideLength), \(c.kernelSize)"),
            .init("prior", "\(c.prior)"), .init("subnet", "\(c.coupling)"),
            .init("nlayers / nresblocks / nmlp / nhidden", [c.layerCounts, c.residualBlockCounts, c.hiddenLayerCounts, c.hiddenWidths]
                .map(FlowConfiguration.flagString).joined(separator: " / ")),
            .init("parameters", "\(model.parameters.map(\.value.scalarCount).reduce(0, +))"),
            .init("batch size", "\(options.batchSize)"), .init("epochs", "\(options.epochs)"),
            .init("learning rate", options.schedule.shape == .constant ? "\(options.learningRate)"
                  : "\(options.learningRate) peak, \(options.schedule.warmupSteps) warm-up steps, then \(options.schedule.shape.rawValue) "
                    + "decay to \(options.schedule.finalFraction == 0 ? "0" : "\(options.schedule.finalFraction) of the peak")"),
            .init("weight decay, clip", "\(options.weightDecay), \(options.clipGradient)"),
            .init("dtype, threads", "\(options.dtype), \(Parallelism.threadCount)"), .init("seed", "\(options.seed)"),
        ]
    }

    /// The report's summary: ``resultLines`` and the lines the caller adds (`nextSteps`).
    var reportSummary: [String] { resultLines + nextSteps }

    /// The last epoch's numbers as sentences: train and test bits/dim, the latest sample scores.
    public var resultLines: [String] {
        guard let last = history.epochs.last else { return [] }
        var lines = [String(format: "epoch %d of %d: train bits/dim %.4f", last.epoch, options.epochs, last.trainBitsPerDimension)
            + (last.testBitsPerDimension.map { String(format: ", test bits/dim %.4f", $0) } ?? "")]
        if let scored = history.epochs.last(where: { !$0.sampleScores.isEmpty }) {
            lines.append("sample score after epoch \(scored.epoch): " + options.plotTemperatures.compactMap { t in
                scored.sampleScores[RunHistory.key(t)].map { String(format: "%.0f%% at T = %@", $0 * 100, RunHistory.key(t)) }
            }.joined(separator: ", "))
        }
        return lines
    }

    /// Writes `{prefix}_loss.svg` and `{prefix}.html` from the log and the history.
    func writeReport(batchesPerEpoch: Int) throws {
        guard let paths else { return }
        let train = loggedCurve(batchesPerEpoch: batchesPerEpoch)
        let test = history.epochs.compactMap { epoch in epoch.testBitsPerDimension.map { CurvePoint(x: Double(epoch.epoch), y: $0) } }
        let curve = LossCurveSVG(title: "bits per dimension: train per batch, test per epoch", train: train, test: test,
                                 yRange: Self.focusedRange(train, test))
        try curve.write(to: paths.lossCurve)
        let latest = history.epochs.last { !$0.grids.isEmpty }
        let grids = options.plotTemperatures.compactMap { temperature in
            latest?.grids[RunHistory.key(temperature)].map { RunReport.SampleGrid(path: $0, temperature: temperature) }
        }
        let epochs = history.epochs.map { epoch in
            RunReport.EpochSummary(epoch: epoch.epoch, trainBitsPerDimension: epoch.trainBitsPerDimension,
                                   testBitsPerDimension: epoch.testBitsPerDimension,
                                   sampleScores: Dictionary(uniqueKeysWithValues: epoch.sampleScores.compactMap { key, value in
                                       Double(key).map { ($0, value) }
                                   }))
        }
        let checkpoints = Checkpoint.epochs(in: paths.checkpoints).map {
            RunReport.FileLink(label: "epoch \($0)", path: paths.relative(paths.checkpoint(epoch: $0)))
        }
        let report = RunReport(title: "RG-Flow on \(options.data): \(model.configuration.networkName)", commandLine: commandLine,
                               configuration: reportSettings, lossCurve: .inline(curve), epochs: epochs,
                               samplesEpoch: latest?.epoch, sampleGrids: grids, checkpoints: checkpoints, summary: reportSummary)
        try report.write(to: paths.report)
    }
}
