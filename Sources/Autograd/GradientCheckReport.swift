// What a gradient check found: the worst disagreement, the first mismatches, side checks.

/// Settings of a gradient check; defaults as PyTorch's `gradcheck` (meant for Double).
public struct GradientCheckOptions: Sendable {
    /// How the analytic gradient is compared with finite differences.
    public enum Mode: Sendable {
        /// Every input element against every output element: the full Jacobian by central
        /// differences (one pair of evaluations per input element) and by backward passes
        /// (one per output element). For small inputs.
        case full
        /// ⟨J u, v⟩ by a central difference along a seeded random unit direction u, against
        /// ⟨u, Jᵀ v⟩ from one backward pass with a seeded random unit cotangent v; repeated
        /// for `directions` pairs. For large inputs and whole models.
        case randomDirection(seed: UInt64 = 0, directions: Int = 3)
    }

    /// Central-difference step.
    public var epsilon: Double = 1e-6
    /// Absolute tolerance: an entry passes when |analytic - numeric| <= atol + rtol |numeric|.
    public var absoluteTolerance: Double = 1e-5
    /// Relative tolerance.
    public var relativeTolerance: Double = 1e-3
    /// Full Jacobian or random directions.
    public var mode: Mode = .full
    /// Also check that a zero cotangent gives zero gradients, that backward run twice on one
    /// graph gives identical gradients, and that gradient shapes equal input shapes.
    public var sideChecks = true

    /// Options with PyTorch's defaults (eps 1e-6, atol 1e-5, rtol 1e-3) in the given mode.
    public init(mode: Mode = .full, epsilon: Double = 1e-6, absoluteTolerance: Double = 1e-5,
                relativeTolerance: Double = 1e-3, sideChecks: Bool = true) {
        self.mode = mode
        self.epsilon = epsilon
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
        self.sideChecks = sideChecks
    }
}

/// One comparison of an analytic and a numeric derivative.
public struct GradientMismatch: Sendable, CustomStringConvertible {
    /// Which input (or parameter) the derivative is taken with respect to; for a random
    /// direction, nil (all inputs at once).
    public var input: Int?
    /// The input element (row-major), or nil for a random direction.
    public var inputElement: Int?
    /// The output element (row-major), or nil for a random direction.
    public var outputElement: Int?
    /// The derivative from backward.
    public var analytic: Double
    /// The derivative from central differences.
    public var numeric: Double

    /// |analytic - numeric|.
    public var absoluteError: Double { Swift.abs(analytic - numeric) }
    /// |analytic - numeric| / |numeric| (infinite when numeric is 0 and they differ).
    public var relativeError: Double {
        absoluteError == 0 ? 0 : absoluteError / Swift.abs(numeric)
    }

    /// e.g. "input 0 element 3, output 1: analytic 0.5 numeric 0.49".
    public var description: String {
        let place: String
        if let input, let inputElement, let outputElement {
            place = "input \(input) element \(inputElement), output element \(outputElement)"
        } else {
            place = "random direction"
        }
        return "\(place): analytic \(analytic), numeric \(numeric) (abs error \(absoluteError))"
    }
}

/// The outcome of ``checkGradients(of:at:options:)`` or
/// ``checkGradients(of:withRespectTo:options:)``.
public struct GradientCheckReport: Sendable, CustomStringConvertible {
    /// Whether every comparison and side check passed.
    public var passed: Bool { failures.isEmpty && sideCheckFailures.isEmpty }
    /// The largest |analytic - numeric| over all comparisons.
    public var maxAbsoluteError: Double = 0
    /// The largest relative error over comparisons whose numeric value is not 0.
    public var maxRelativeError: Double = 0
    /// The comparison with the largest excess over its tolerance.
    public var worst: GradientMismatch?
    /// Comparisons outside tolerance (the first 10).
    public var failures: [GradientMismatch] = []
    /// How many comparisons were made.
    public var comparisons = 0
    /// Failed side checks, each as a sentence.
    public var sideCheckFailures: [String] = []

    /// A summary with the first mismatches.
    public var description: String {
        var lines = ["gradient check \(passed ? "passed" : "FAILED"): \(comparisons) comparisons, max abs error \(maxAbsoluteError), max rel error \(maxRelativeError)"]
        if let worst { lines.append("  worst: \(worst)") }
        for failure in failures.prefix(5) { lines.append("  mismatch: \(failure)") }
        for failure in sideCheckFailures { lines.append("  side check: \(failure)") }
        return lines.joined(separator: "\n")
    }
}

/// Why a gradient check could not run.
public enum GradientCheckError: Error, CustomStringConvertible, Sendable {
    /// Finite differences in Float are meaningless at eps = 1e-6; promote to Double.
    case requiresDouble(String)
    /// Perturbing one element of an expanded (stride-0) input would perturb its aliases too.
    case expandedInput(index: Int, shape: [Int], strides: [Int])
    /// The function's output does not require a gradient (it ignores its inputs).
    case outputIsConstant

    /// The reason, with what to do about it.
    public var description: String {
        switch self {
        case .requiresDouble(let type):
            return "gradient check needs Double inputs, got \(type): central differences with eps 1e-6 are noise in Float; promote the computation to Double"
        case .expandedInput(let index, let shape, let strides):
            return "gradient check input \(index) of shape \(shape) is expanded (strides \(strides)): perturbing one element would perturb its aliases; pass a contiguous copy"
        case .outputIsConstant:
            return "gradient check: the output does not depend on any input that requires a gradient"
        }
    }
}
