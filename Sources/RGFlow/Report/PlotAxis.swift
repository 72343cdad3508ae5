// One axis of a plot: the data range mapped onto pixels, with round-numbered ticks and
// labels, safe for a single value and for ranges as wide as Double allows.

import Foundation

/// A linear map from a data interval onto a pixel interval, with tick positions.
struct PlotAxis: Sendable, Hashable {
    /// The data value at the start of the pixel interval.
    let lower: Double
    /// The data value at the end of the pixel interval.
    let upper: Double
    /// The pixel coordinate of `lower`.
    let start: Double
    /// The pixel coordinate of `upper` (smaller than `start` for a y axis, which grows up).
    let end: Double

    /// An axis showing `lower...upper` from pixel `start` to `end`.
    ///
    /// A degenerate interval (one value, or a single point) is widened to
    /// `value ± max(|value| / 10, 0.5)` so the value sits in the middle instead of dividing
    /// by a zero span.
    init(lower: Double, upper: Double, start: Double, end: Double) {
        precondition(lower.isFinite && upper.isFinite && lower <= upper, "an axis needs a finite range, got \(lower)...\(upper)")
        if lower == upper {
            let half = max(abs(lower) / 10, 0.5)
            self.lower = max(lower - half, -.greatestFiniteMagnitude)
            self.upper = min(upper + half, .greatestFiniteMagnitude)
        } else {
            self.lower = lower
            self.upper = upper
        }
        self.start = start
        self.end = end
    }

    /// The smallest and largest of `values`, with `padding` of the span added on each side
    /// (clamped to the finite doubles), or `nil` for no values.
    static func range(of values: [Double], padding: Double) -> (lower: Double, upper: Double)? {
        guard let low = values.min(), let high = values.max() else { return nil }
        // Halves keep the span finite even from -Double.greatestFiniteMagnitude to +.
        let margin = (high / 2 - low / 2) * 2 * padding
        let lower = low - margin, upper = high + margin
        return (lower.isFinite ? lower : -.greatestFiniteMagnitude, upper.isFinite ? upper : .greatestFiniteMagnitude)
    }

    /// The pixel coordinate of `value`, clamped to the axis so that nothing is drawn
    /// outside the plot.
    func pixel(_ value: Double) -> Double {
        // Halving both terms keeps the ratio finite for spans beyond Double's range.
        let fraction = (value / 2 - lower / 2) / (upper / 2 - lower / 2)
        return start + (end - start) * min(max(fraction, 0), 1)
    }

    /// Tick values: multiples of a step of 1, 2 or 5 times a power of ten giving about
    /// `target` intervals, all inside the range; the range's ends when no step fits.
    func ticks(target: Int = 5) -> [Double] {
        let rough = (upper / 2 - lower / 2) / Double(target) * 2
        guard rough.isFinite, rough > 0 else { return [lower, upper] }
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let first = (lower / step).rounded(.up)
        let last = (upper / step).rounded(.down)
        guard step.isFinite, first.isFinite, last.isFinite, last >= first, last - first <= Double(4 * target) else {
            return [lower, upper]
        }
        // Counting in whole steps from `first` (at most 4 * target of them) avoids
        // accumulating error; near Double's precision neighbours can coincide, so drop repeats.
        let values = (0...Int(last - first)).map { (first + Double($0)) * step }
        return values.enumerated().filter { $0.offset == 0 || $0.element != values[$0.offset - 1] }.map(\.element)
    }

    /// A label for tick `value` among `ticks`: fixed decimals enough to tell neighbouring
    /// ticks apart, or scientific notation for very large or very small magnitudes.
    static func label(_ value: Double, among ticks: [Double]) -> String {
        let value = value + 0  // -0 + 0 is +0: no "-0.0" label
        let spacing = zip(ticks, ticks.dropFirst()).map { abs($1 - $0) }.min() ?? abs(value)
        let largest = ticks.map(abs).max() ?? abs(value)
        if largest >= 1e6 || (spacing > 0 && spacing < 1e-4) {
            return String(format: "%.3g", value)
        }
        let decimals = spacing > 0 ? max(0, Int((-log10(spacing)).rounded(.up))) : 2
        return String(format: "%.\(min(decimals, 6))f", value)
    }
}
