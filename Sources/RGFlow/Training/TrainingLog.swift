// The reference's log line, character for character, so its log parsers read our logs.

import Foundation

/// One logged batch: `epoch {e} batch {b} bpp {bpd:.8g} loss {mean:.8g} +- {std:.8g} time {t:.3f}`.
public struct TrainingLogLine: Sendable, Equatable {
    /// The epoch, counted from 1.
    public var epoch: Int
    /// The batch within the epoch, counted from 0.
    public var batch: Int
    /// Bits per dimension of the batch.
    public var bitsPerDimension: Double
    /// The batch mean of the per-sample loss.
    public var meanLoss: Double
    /// The unbiased standard deviation of the per-sample loss over the batch.
    public var lossStandardDeviation: Double
    /// Seconds since training started.
    public var seconds: Double

    /// A line for these values.
    public init(epoch: Int, batch: Int, bitsPerDimension: Double, meanLoss: Double, lossStandardDeviation: Double,
                seconds: Double) {
        self.epoch = epoch
        self.batch = batch
        self.bitsPerDimension = bitsPerDimension
        self.meanLoss = meanLoss
        self.lossStandardDeviation = lossStandardDeviation
        self.seconds = seconds
    }

    /// Python's `'{:.8g}'` (C's `%.8g` agrees with it for finite values, inf and nan).
    static func general(_ value: Double) -> String { String(format: "%.8g", value) }

    /// The formatted line (no newline).
    public var text: String {
        "epoch \(epoch) batch \(batch) bpp \(TrainingLogLine.general(bitsPerDimension)) loss \(TrainingLogLine.general(meanLoss))"
            + " +- \(TrainingLogLine.general(lossStandardDeviation)) time \(String(format: "%.3f", seconds))"
    }

    /// Parses a line of this format (the inverse of ``text``), or nil.
    public init?(parsing line: String) {
        let parts = line.split(separator: " ")
        guard parts.count == 12, parts[0] == "epoch", parts[2] == "batch", parts[4] == "bpp", parts[6] == "loss",
              parts[8] == "+-", parts[10] == "time",
              let epoch = Int(parts[1]), let batch = Int(parts[3]), let bpd = Double(parts[5]), let loss = Double(parts[7]),
              let deviation = Double(parts[9]), let seconds = Double(parts[11]) else { return nil }
        self.init(epoch: epoch, batch: batch, bitsPerDimension: bpd, meanLoss: loss, lossStandardDeviation: deviation,
                  seconds: seconds)
    }
}
