// What each finished epoch of a run measured, kept beside the log so the report can be
// redrawn after a resume: train and test bits/dim, sample scores, grids and checkpoints.

import Foundation

/// The per-epoch record of a run, stored as `{prefix}_history.json` and rewritten atomically
/// after every epoch. On resume it is cut back to the epochs the checkpoint holds.
public struct RunHistory: Codable, Sendable, Equatable {
    /// One finished epoch.
    public struct Epoch: Codable, Sendable, Equatable {
        /// The epoch, from 1.
        public var epoch: Int
        /// Mean train bits/dim over the epoch's batches.
        public var trainBitsPerDimension: Double
        /// Test bits/dim measured after the epoch, if it was.
        public var testBitsPerDimension: Double?
        /// Sample score (fraction in [0, 1]) per temperature, keyed by the temperature's text.
        public var sampleScores: [String: Double] = [:]
        /// Sample grids per temperature, paths relative to the run's folder.
        public var grids: [String: String] = [:]
        /// The checkpoint saved after the epoch, relative to the run's folder.
        public var checkpoint: String?
        /// Seconds of training from the start of the run to the end of this epoch.
        public var elapsedSeconds: Double
    }

    /// The finished epochs, in order.
    public var epochs: [Epoch] = []

    /// An empty history.
    public init() {}

    /// The history in `url`, or an empty one when there is none (or it cannot be read: it is
    /// a convenience for the report, and the checkpoint, not it, is what a run resumes from).
    public static func load(from url: URL) -> RunHistory {
        guard let data = try? Data(contentsOf: url), let history = try? JSONDecoder().decode(RunHistory.self, from: data) else {
            return RunHistory()
        }
        return history
    }

    /// Writes the history to `url` atomically.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: url)
    }

    /// A temperature as a key: `1`, `0.5`.
    public static func key(_ temperature: Double) -> String {
        temperature == temperature.rounded() ? String(Int(temperature)) : "\(temperature)"
    }
}
