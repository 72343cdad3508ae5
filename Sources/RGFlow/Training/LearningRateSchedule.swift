// The learning rate as a function of the optimiser step: constant (the reference), or a
// linear warm-up followed by a cosine decay.

import Foundation

/// How the learning rate follows the step t = 0, 1, … of a run of T steps.
///
/// `constant` is the reference's: lr at every step. `cosine` ramps linearly from lr / W to lr
/// over the first W (`warmupSteps`) steps, then follows
///
///     lr_t = lr · (f + (1 - f) · (1 + cos(π (t - W) / (T - W))) / 2)
///
/// down to lr · f (`finalFraction`) at the last step. The rate depends only on t and T, so a
/// resumed run continues on the same curve.
public struct LearningRateSchedule: Codable, Sendable, Equatable {
    /// The shape of the curve.
    public enum Shape: String, Codable, Sendable, CaseIterable {
        /// lr at every step.
        case constant
        /// Linear warm-up, then cosine decay.
        case cosine
    }

    /// The curve.
    public var shape: Shape
    /// W: steps of linear warm-up (cosine only).
    public var warmupSteps: Int
    /// f: the last step's rate as a fraction of lr (cosine only).
    public var finalFraction: Double

    /// A schedule (the default is the reference's constant rate).
    public init(shape: Shape = .constant, warmupSteps: Int = 0, finalFraction: Double = 0) {
        self.shape = shape
        self.warmupSteps = warmupSteps
        self.finalFraction = finalFraction
    }

    /// The rate at step `step` (0-based) of `totalSteps`, for base rate `base`.
    public func rate(base: Double, step: Int, totalSteps: Int) -> Double {
        guard shape == .cosine else { return base }
        if step < warmupSteps { return base * Double(step + 1) / Double(warmupSteps) }
        let span = max(1, totalSteps - warmupSteps - 1)
        let progress = min(1, Double(step - warmupSteps) / Double(span))
        return base * (finalFraction + (1 - finalFraction) * (1 + Foundation.cos(Double.pi * progress)) / 2)
    }
}
