// A one-line progress display for terminals: epoch, batch, images/s, running bits/dim, ETA.

import Foundation
import RGFlow

/// Redraws one terminal line per batch and leaves one summary line per epoch.
final class ProgressBar: @unchecked Sendable {
    // @unchecked: used from the training thread only.
    private let enabled: Bool
    private let epochs: Int
    private var runningLoss = 0.0
    private var runningBatches = 0
    private var currentEpoch = 0
    private var smoothedRate = 0.0
    private var lastCheckpoint: Double?

    init(enabled: Bool, epochs: Int) {
        self.enabled = enabled
        self.epochs = epochs
    }

    func handle(_ event: TrainingEvent) {
        guard enabled else { return }
        switch event {
        case .batch(let line, let batchesPerEpoch, let imagesPerSecond):
            if line.epoch != currentEpoch {
                currentEpoch = line.epoch
                runningLoss = 0
                runningBatches = 0
            }
            runningLoss += line.bitsPerDimension
            runningBatches += 1
            smoothedRate = smoothedRate == 0 ? imagesPerSecond : 0.9 * smoothedRate + 0.1 * imagesPerSecond
            let done = line.batch + 1
            let width = 24
            let filled = min(width, done * width / max(batchesPerEpoch, 1))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let remainingBatches = (batchesPerEpoch - done) + (epochs - line.epoch) * batchesPerEpoch
            let secondsPerBatch = line.seconds / Double(max(1, (line.epoch - 1) * batchesPerEpoch + done))
            let eta = Int(Double(remainingBatches) * secondsPerBatch)
            let saved = lastCheckpoint.map { Int(max(0, line.seconds - $0)) }
                .map { String(format: "  saved %dm%02ds ago", $0 / 60, $0 % 60) } ?? "  not saved yet"
            let text = String(format: "epoch %d/%d [%@] %d/%d  %.0f img/s  bpd %.4f  ETA %dm%02ds%@",
                              line.epoch, epochs, bar, done, batchesPerEpoch, smoothedRate,
                              runningLoss / Double(runningBatches), eta / 60, eta % 60, saved)
            print("\r" + text + "\u{1B}[K", terminator: "")
        case .epochFinished(let epoch, let bitsPerDimension, let seconds):
            print(String(format: "\repoch %d/%d done: bpd %.4f in %.1f s\u{1B}[K", epoch, epochs, bitsPerDimension, seconds))
        case .checkpointSaved(_, let seconds):
            lastCheckpoint = seconds
        default:
            break
        }
    }

    /// The run resumed from a checkpoint written at `seconds` of training.
    func resumed(checkpointAt seconds: Double) { lastCheckpoint = seconds }

    func finish() {
        if enabled { print("") }
    }
}
