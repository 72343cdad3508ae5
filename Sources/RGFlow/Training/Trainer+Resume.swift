// Resuming a run so that its interruption leaves no trace: from the newest checkpoint, epoch
// or mid-epoch; stray temporaries removed, an unreadable newest checkpoint set aside, the
// rotation completed, the log cut back to the checkpoint, the elapsed time continued.

import Foundation
import Tensor

extension Trainer {
    /// Continues from the newest usable checkpoint of this run's folder, if there is one.
    ///
    /// First the folders are cleaned of what a killed process leaves: the atomic writers'
    /// temporaries, and checkpoints that the rotation would have deleted (a kill between a save
    /// and its rotation). A checkpoint that cannot be read (truncated, corrupt: its data
    /// checksum fails) is renamed to `{epoch}.safetensors.unusable` and the next older one is
    /// tried; the run says so through ``TrainingEvent/setAside(_:reason:)``. A readable
    /// checkpoint of another network is an error, not a reason to start over. The log loses the
    /// lines written after the checkpoint (the epoch that is now redone), and the history too.
    ///
    /// - Returns: the epoch of the checkpoint resumed from (for a mid-epoch checkpoint, the
    ///   epoch in progress), or nil for a fresh start.
    @discardableResult
    public func resumeFromNewestCheckpoint() throws -> Int? {
        guard let paths else { return nil }
        var removed: [URL] = []
        for folder in [paths.prefix.deletingLastPathComponent(), paths.checkpoints, paths.samples] {
            removed += try SafetensorsBuilder.removeStaleTemporaries(in: folder)
        }
        var resumed: (position: CheckpointPosition, url: URL)?
        for (position, url) in Checkpoint.positions(in: paths.checkpoints).reversed() {
            let file: Safetensors
            do {
                file = try Safetensors(contentsOf: url)
            } catch let error as SafetensorsError {
                let aside = URL(fileURLWithPath: url.path + ".unusable")
                try? FileManager.default.removeItem(at: aside)
                try FileManager.default.moveItem(at: url, to: aside)
                onEvent?(.setAside(aside, reason: error.description))
                continue
            }
            let info = try Checkpoint.load(file, into: model, optimizer: optimizer)
            completedEpochs = info.batchesInEpoch == nil ? info.epoch : info.epoch - 1
            resumedBatches = info.batchesInEpoch ?? 0
            resumedEpochLoss = info.batchesInEpoch == nil ? (0, 0) : info.epochLoss
            elapsedBeforeStart = info.elapsedSeconds
            lastCheckpointSeconds = info.elapsedSeconds
            resumed = (position, url)
            break
        }
        guard let resumed else {
            if !removed.isEmpty { onEvent?(.cleanedUp(removed: removed, logLinesDropped: 0)) }
            return nil
        }
        // A kill between a save and its rotation leaves checkpoints the rotation deletes: of the
        // epoch checkpoints before the newest, only multiples of keep_epoch stay; mid-epoch ones
        // stay only after the newest epoch checkpoint, the newest two of them.
        let all = Checkpoint.positions(in: paths.checkpoints)
        let newestEpoch = all.last { $0.position.batches == nil }?.position
        for (position, url) in all where position != resumed.position {
            let keep: Bool
            if position.batches == nil {
                keep = position == newestEpoch || (options.keepEpoch > 0 && position.epoch % options.keepEpoch == 0)
            } else {
                let later = all.filter { $0.position.batches != nil && $0.position > position }.count
                keep = (newestEpoch.map { position > $0 } ?? true) && later < 2
            }
            if !keep {
                try? FileManager.default.removeItem(at: url)
                removed.append(url)
            }
        }
        let dropped = try truncateLog(after: resumed.position)
        history = RunHistory.load(from: paths.history)
        history.epochs.removeAll { $0.epoch > completedEpochs }
        if !removed.isEmpty || dropped > 0 { onEvent?(.cleanedUp(removed: removed, logLinesDropped: dropped)) }
        onEvent?(.resumed(from: resumed.position, url: resumed.url))
        return resumed.position.epoch
    }

    /// Removes the log lines after `position` (written before a kill, redone now), so every
    /// batch appears exactly once. Returns how many were dropped.
    func truncateLog(after position: CheckpointPosition) throws -> Int {
        guard let paths, let text = try? String(contentsOf: paths.log, encoding: .utf8) else { return 0 }
        var kept: [Substring] = [], dropped = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if let parsed = TrainingLogLine(parsing: String(line)),
               parsed.epoch > position.epoch || (parsed.epoch == position.epoch && parsed.batch >= (position.batches ?? Int.max)) {
                dropped += 1
            } else {
                kept.append(line)
            }
        }
        // A line cut short by the kill has no newline; it is dropped with the rest of its epoch.
        guard dropped > 0 || !text.hasSuffix("\n") && !text.isEmpty else { return 0 }
        try AtomicFile.write(Data((kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).utf8), to: paths.log)
        return dropped
    }
}
