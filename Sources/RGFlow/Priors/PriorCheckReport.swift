// What the prior checker found: one entry per property, with its statistic and limit.

/// Settings of ``checkPrior(_:float:latentShape:options:)``.
public struct PriorCheckOptions: Sendable {
    /// Seeds every sample the checker draws.
    public var seed: UInt64 = 0
    /// Latent values pooled for each distribution test (rounded up to whole samples).
    public var sampleCount = 20_000
    /// The Kolmogorov–Smirnov tests' false-alarm rate: a correct prior fails a test with this
    /// probability for a random seed (the default seed is fixed, so a run is deterministic).
    public var falseAlarmRate = 1e-3
    /// Temperatures whose samples must be T times samples at T = 1 in distribution.
    public var temperatures: [Double] = [0.5, 2]
    /// Largest allowed |∫ p − 1| at any position.
    public var normalizationTolerance = 1e-6
    /// Float and Double log-densities must agree to this, relative to max(1, |log p|).
    public var floatTolerance = 1e-5

    /// The defaults: 20000 values, false-alarm rate 1e-3, temperatures 0.5 and 2.
    public init(seed: UInt64 = 0, sampleCount: Int = 20_000, falseAlarmRate: Double = 1e-3,
                temperatures: [Double] = [0.5, 2], normalizationTolerance: Double = 1e-6, floatTolerance: Double = 1e-5) {
        self.seed = seed
        self.sampleCount = sampleCount
        self.falseAlarmRate = falseAlarmRate
        self.temperatures = temperatures
        self.normalizationTolerance = normalizationTolerance
        self.floatTolerance = floatTolerance
    }
}

/// The outcome of one property the prior checker tests.
public struct PriorCheck: Sendable, CustomStringConvertible {
    /// The properties checked.
    public enum Property: String, Sendable, CaseIterable {
        /// `logDensity` is elementwise (same shape out as in) and finite at samples.
        case shape
        /// exp(logDensity) integrates to 1 at every latent position.
        case normalization
        /// Samples at T = 1 follow the density (Kolmogorov–Smirnov on F(z)).
        case sampling
        /// Samples at T are distributed as T times samples at 1.
        case temperature
        /// The log-density's gradient with respect to z passes `checkGradients`.
        case gradient
        /// The log-density's gradient with respect to the prior's parameters passes.
        case parameterGradient = "parameter gradient"
        /// The Float prior's log-density and samples agree with the Double one's.
        case floatAgreement = "Float agreement"
    }

    /// Which property.
    public let property: Property
    /// Whether it holds.
    public let passed: Bool
    /// The measured statistic (its meaning is in ``detail``).
    public let statistic: Double
    /// The largest statistic that passes.
    public let limit: Double
    /// What was measured, in words.
    public let detail: String

    /// `✓ sampling: …` or `✗ sampling: …`.
    public var description: String { "\(passed ? "✓" : "✗") \(property.rawValue): \(detail)" }
}

/// Everything the prior checker found.
public struct PriorCheckReport: Sendable, CustomStringConvertible {
    /// One entry per property checked, in order.
    public var checks: [PriorCheck] = []

    /// Whether every check passed.
    public var passed: Bool { checks.allSatisfy(\.passed) }

    /// The checks that failed.
    public var failures: [PriorCheck] { checks.filter { !$0.passed } }

    /// The check of `property`, if it ran.
    public func check(_ property: PriorCheck.Property) -> PriorCheck? { checks.first { $0.property == property } }

    /// One line per check.
    public var description: String {
        (["prior check \(passed ? "passed" : "FAILED (\(failures.map(\.property.rawValue).joined(separator: ", ")))")"]
            + checks.map { "  " + $0.description }).joined(separator: "\n")
    }
}
