// Resuming a run so that its interruption leaves no trace: stray temporaries removed, an
// unreadable newest checkpoint set aside, the rotation completed, the log cut back to the
// checkpoint, the elapsed time continued.

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
    /// - Returns: the epoch resumed from, or nil for a fresh start.
    @discardableResult
    public func resumeFromNewestCheckpoint() throws -> Int? {
        guard let paths else { return nil }
        var removed: [URL] = []
        for folder in [paths.prefix.deletingLastPathComponent(), paths.checkpoints, paths.samples] {
            removed += try SafetensorsBuilder.removeStaleTemporaries(in: folder)
        }
        var resumed: (epoch: Int, url: URL)?
        for epoch in Checkpoint.epochs(in: paths.checkpoints).reversed() {
            let url = paths.checkpoint(epoch: epoch)
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
            completedEpochs = info.epoch
            elapsedBeforeStart = info.elapsedSeconds
            resumed = (info.epoch, url)
            break
        }
        guard let resumed else {
            if !removed.isEmpty { onEvent?(.cleanedUp(removed: removed, logLinesDropped: 0)) }
            return nil
        }
        // A kill between a save and its rotation leaves a checkpoint the reference's rotation
        // deletes: only multiples of keep_epoch outlive the newest.
        for epoch in Checkpoint.epochs(in: paths.checkpoints) where epoch != resumed.epoch {
            guard options.keepEpoch <= 0 || epoch % options.keepEpoch != 0 || epoch > resumed.epoch else { continue }
            let url = paths.checkpoint(epoch: epoch)
            try? FileManager.default.removeItem(at: url)
            removed.append(url)
        }
        let dropped = try truncateLog(after: resumed.epoch)
        history = RunHistory.load(from: paths.history)
        history.epochs.removeAll { $0.epoch > resumed.epoch }
        if !removed.isEmpty || dropped > 0 { onEvent?(.cleanedUp(removed: removed, logLinesDropped: dropped)) }
        onEvent?(.resumed(epoch: resumed.epoch, from: resumed.url))
        return resumed.epoch
    }

    /// Removes the log lines of epochs after `epoch` (written before a kill, redone now), so no
    /// line repeats. Returns how many were dropped.
    func truncateLog(after epoch: Int) throws -> Int {
        guard let paths, let text = try? String(contentsOf: paths.log, encoding: .utf8) else { return 0 }
        var kept: [Substring] = [], dropped = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if let parsed = TrainingLogLine(parsing: String(line)), parsed.epoch > epoch {
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
