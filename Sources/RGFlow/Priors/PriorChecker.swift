// The public prior checker: normalisation by quadrature, samples against the density by
// Kolmogorov–Smirnov, temperature scaling, gradients, and Float against Double.

import Autograd
import Foundation
import Tensor

/// Checks that a prior is what ``Prior`` promises, the way `checkGradients` checks a
/// derivative: one call in a test verifies a new prior.
///
/// For every latent position of `latentShape` (a prior may treat positions differently, as
/// ``LevelLaplacePrior`` does), it computes the density's integral and CDF by
/// ``RealLineQuadrature`` (Gauss–Legendre panels after z = s t / (1 − t²); s is the median
/// |sample|), then checks:
///
/// - **shape**: `logDensity` returns the shape it is given, finite at the prior's samples;
/// - **normalization**: max over positions of |∫ exp(logDensity) − 1| ≤
///   `options.normalizationTolerance` (the quadrature's own error, estimated against half the
///   panels, is reported beside it and is below 1e-12 for the shipped priors);
/// - **sampling**: the values F(z) of samples at T = 1 under the position's CDF are uniform, by
///   a Kolmogorov–Smirnov test: √n D ≤ √(−ln(α/2)/2) (α = `options.falseAlarmRate`, 1.95 for
///   1e-3; the seed is fixed, so the outcome is deterministic);
/// - **temperature**: for each T in `options.temperatures`, F(z/T) of samples at T is uniform
///   (samples at T are T times samples at 1 in distribution, as every shipped prior documents);
/// - **gradient**: `checkGradients` of `logProb` with respect to z at two samples (values
///   within 1e-3 of 0 moved to ±1e-3, away from kinks such as Laplace's);
/// - **parameter gradient** (priors with parameters): `checkGradients` with respect to them;
/// - **Float agreement** (when `float` is given): the Float prior's log-density at the same
///   points within `options.floatTolerance` · max(1, |log p|), and its samples pass the
///   sampling test under the Double CDF.
///
/// ```swift
/// let report = checkPrior(StudentTPriorOptions(), latents: LatentLevels(channels: 1, sideLength: 8, kernelSize: 4))
/// #expect(report.passed, "\(report)")
/// ```
///
/// - Parameters:
///   - prior: the prior in Double.
///   - float: the same prior in Float (same parameter values), or nil to skip that check.
///   - latentShape: one sample's shape, e.g. `[C, L, L]`.
public func checkPrior(_ prior: any Prior<Double>, float: (any Prior<Float>)? = nil, latentShape: [Int],
                       options: PriorCheckOptions = PriorCheckOptions()) -> PriorCheckReport {
    var checker = PriorChecker(prior: prior, floatPrior: float, shape: latentShape, options: options)
    return checker.run()
}

/// Checks a registered prior built from `priorOptions` for latents laid out as `latents`, in
/// Double and in Float; see ``checkPrior(_:float:latentShape:options:)``.
public func checkPrior<Options: PriorOptions>(_ priorOptions: Options, latents: LatentLevels,
                                              options: PriorCheckOptions = PriorCheckOptions()) -> PriorCheckReport {
    checkPrior(priorOptions.makePrior(for: latents, as: Double.self), float: priorOptions.makePrior(for: latents, as: Float.self),
               latentShape: [latents.channels, latents.sideLength, latents.sideLength], options: options)
}

/// One run of the checks.
private struct PriorChecker {
    let prior: any Prior<Double>
    let floatPrior: (any Prior<Float>)?
    let shape: [Int]
    let options: PriorCheckOptions
    let positions: Int
    let samplesPerDraw: Int
    var report = PriorCheckReport()

    init(prior: any Prior<Double>, floatPrior: (any Prior<Float>)?, shape: [Int], options: PriorCheckOptions) {
        self.prior = prior
        self.floatPrior = floatPrior
        self.shape = shape
        self.options = options
        positions = max(1, shape.reduce(1, *))
        samplesPerDraw = max(2, (options.sampleCount + positions - 1) / positions)
    }

    /// The quadrature's per-position results: total mass, and mass cumulated up to each panel.
    struct Masses {
        let quadrature: RealLineQuadrature
        /// `[position][panel]`: the mass of panels before this one.
        let cumulative: [[Double]]
        let totals: [Double]
        let errorEstimate: Double
    }

    mutating func record(_ property: PriorCheck.Property, _ passed: Bool, _ statistic: Double, _ limit: Double,
                         _ detail: String) {
        report.checks.append(PriorCheck(property: property, passed: passed, statistic: statistic, limit: limit, detail: detail))
    }

    mutating func run() -> PriorCheckReport {
        var generator = TensorRandomGenerator(seed: options.seed)
        let samples = prior.sample([samplesPerDraw] + shape, temperature: 1, using: &generator)
        guard checkShape(samples) else { return report }
        let magnitudes = samples.scalars.map { Swift.abs($0) }.sorted()
        let median = magnitudes[magnitudes.count / 2]
        let masses = integrate(scale: median > 0 && median.isFinite ? median : 1)
        checkNormalization(masses)
        let uniforms = cdf(samples, masses)
        let (statistic, limit) = kolmogorovSmirnov(uniforms)
        record(.sampling, statistic <= limit, statistic, limit,
               String(format: "√n·D = %.3f for %d values at T = 1 (limit %.3f, false-alarm rate %g)",
                      statistic, uniforms.count, limit, options.falseAlarmRate))
        checkTemperatures(masses, &generator)
        checkGradients(at: samples)
        if let floatPrior { checkFloat(floatPrior, samples: samples, masses: masses, &generator) }
        return report
    }

    /// logDensity keeps the shape and is finite at samples.
    mutating func checkShape(_ samples: Tensor<Double>) -> Bool {
        guard samples.shape == [samplesPerDraw] + shape else {
            record(.shape, false, 0, 0, "sample(\([samplesPerDraw] + shape)) returned shape \(samples.shape)")
            return false
        }
        let density = GradientMode.withoutGradients { prior.logDensity(Variable(samples)).value }
        guard density.shape == samples.shape else {
            record(.shape, false, 0, 0, "logDensity of shape \(samples.shape) returned shape \(density.shape): it must be elementwise")
            return false
        }
        let badSamples = samples.scalars.filter { !$0.isFinite }.count
        let badDensities = density.scalars.filter { !$0.isFinite }.count
        record(.shape, badSamples == 0 && badDensities == 0, Double(badSamples + badDensities), 0,
               "elementwise; \(badSamples) non-finite samples, \(badDensities) non-finite log-densities at samples")
        return badSamples == 0 && badDensities == 0
    }

    /// logDensity at `values` laid out `[m] + shape`, in chunks that keep memory bounded.
    func logDensities(_ values: [Double]) -> [Double] {
        let rows = values.count / positions
        let chunk = max(1, (1 << 20) / positions)
        var result: [Double] = []
        result.reserveCapacity(values.count)
        for start in stride(from: 0, to: rows, by: chunk) {
            let count = min(chunk, rows - start)
            let slice = Array(values[(start * positions)..<((start + count) * positions)])
            let z = Tensor<Double>(shape: [count] + shape, scalars: slice)
            result += GradientMode.withoutGradients { prior.logDensity(Variable(z)).value.scalars }
        }
        return result
    }

    /// Per position, the mass of every panel, with `panels` panels.
    func panelMasses(_ quadrature: RealLineQuadrature) -> [[Double]] {
        let nodes = quadrature.allNodes
        let perPanel = nodes.count / quadrature.panels
        var values = [Double](repeating: 0, count: nodes.count * positions)
        for (k, node) in nodes.enumerated() {
            for position in 0..<positions { values[k * positions + position] = node.z }
        }
        let density = logDensities(values)
        var masses = [[Double]](repeating: [Double](repeating: 0, count: quadrature.panels), count: positions)
        for (k, node) in nodes.enumerated() {
            for position in 0..<positions {
                let value = Foundation.exp(density[k * positions + position])
                masses[position][k / perPanel] += node.weight * (value.isNaN ? .infinity : value)
            }
        }
        return masses
    }

    func integrate(scale: Double) -> Masses {
        let fine = RealLineQuadrature(scale: scale)
        let coarse = RealLineQuadrature(scale: scale, panels: fine.panels / 2)
        let masses = panelMasses(fine)
        let coarseTotals = panelMasses(coarse).map { $0.reduce(0, +) }
        var cumulative: [[Double]] = [], totals: [Double] = []
        var estimate = 0.0
        for (position, panels) in masses.enumerated() {
            var running = 0.0, prefix: [Double] = []
            for mass in panels {
                prefix.append(running)
                running += mass
            }
            cumulative.append(prefix)
            totals.append(running)
            estimate = max(estimate, Swift.abs(running - coarseTotals[position]))
        }
        return Masses(quadrature: fine, cumulative: cumulative, totals: totals, errorEstimate: estimate)
    }

    mutating func checkNormalization(_ masses: Masses) {
        let worst = masses.totals.map { Swift.abs($0 - 1) }.max() ?? .infinity
        let position = masses.totals.map { Swift.abs($0 - 1) }.firstIndex(of: worst) ?? 0
        let passed = worst <= options.normalizationTolerance
        record(.normalization, passed, worst, options.normalizationTolerance,
               String(format: "max |∫p − 1| = %.3g over %d positions (worst at %d: ∫p = %.9g; quadrature error ≈ %.1g)",
                      worst, positions, position, masses.totals[position], masses.errorEstimate))
    }

    /// F(z) for samples `[m] + shape` under each position's CDF (normalised by its mass).
    func cdf(_ samples: Tensor<Double>, _ masses: Masses) -> [Double] {
        let quadrature = masses.quadrature
        let values = samples.scalars
        let edges = quadrature.edges
        let points = quadrature.rule.nodes.count
        var nodeValues = [Double](repeating: 0, count: points * values.count)
        var weights = [Double](repeating: 0, count: points * values.count)
        var before = [Double](repeating: 0, count: values.count)
        for (index, value) in values.enumerated() {
            let position = index % positions
            let t = quadrature.parameter(value)
            let panel = min(quadrature.panels - 1, max(0, Int((t + 1) / 2 * Double(quadrature.panels))))
            before[index] = masses.cumulative[position][panel]
            for (k, node) in quadrature.nodes(from: edges[panel], to: t).enumerated() {
                nodeValues[k * values.count + index] = node.z
                weights[k * values.count + index] = node.weight
            }
        }
        let density = logDensities(nodeValues)
        return values.indices.map { index in
            var partial = 0.0
            for k in 0..<points { partial += weights[k * values.count + index] * Foundation.exp(density[k * values.count + index]) }
            let total = masses.totals[index % positions]
            return min(1, max(0, (before[index] + partial) / total))
        }
    }

    /// √n D of the Kolmogorov–Smirnov test against Uniform(0, 1), and the limit for the
    /// false-alarm rate (the first term of Kolmogorov's series: P(√n D > x) ≈ 2 e^(−2x²)).
    func kolmogorovSmirnov(_ uniforms: [Double]) -> (statistic: Double, limit: Double) {
        let sorted = uniforms.sorted()
        let n = Double(sorted.count)
        var distance = 0.0
        for (index, u) in sorted.enumerated() {
            distance = max(distance, Double(index + 1) / n - u, u - Double(index) / n)
        }
        return (n.squareRoot() * distance, (-Foundation.log(options.falseAlarmRate / 2) / 2).squareRoot())
    }

    mutating func checkTemperatures(_ masses: Masses, _ generator: inout TensorRandomGenerator) {
        for temperature in options.temperatures {
            let samples = prior.sample([samplesPerDraw] + shape, temperature: temperature, using: &generator)
            let (statistic, limit) = kolmogorovSmirnov(cdf(samples / temperature, masses))
            record(.temperature, statistic <= limit, statistic, limit,
                   String(format: "samples at T = %g divided by T: √n·D = %.3f (limit %.3f)", temperature, statistic, limit))
        }
    }

    mutating func checkGradients(at samples: Tensor<Double>) {
        let points = samples.sliced(axis: 0, start: 0, end: 2).copied()
        let z = Tensor<Double>(shape: points.shape, scalars: points.scalars.map { Swift.abs($0) < 1e-3 ? ($0 < 0 ? -1e-3 : 1e-3) : $0 })
        let mode: GradientCheckOptions.Mode = z.scalarCount <= 256 ? .full : .randomDirection(seed: options.seed, directions: 4)
        let prior = self.prior
        do {
            let result = try Autograd.checkGradients(of: { prior.logProb($0[0]) }, at: [z], options: GradientCheckOptions(mode: mode))
            record(.gradient, result.passed, result.maxRelativeError, 1e-3,
                   result.passed ? String(format: "∂ log p/∂z at %d values: max relative error %.2g", z.scalarCount, result.maxRelativeError)
                                 : "∂ log p/∂z: \(result)".replacingOccurrences(of: "\n", with: "; "))
        } catch {
            record(.gradient, false, .infinity, 1e-3, "∂ log p/∂z cannot be checked: \(error)")
        }
        let parameters = prior.parameters
        guard !parameters.isEmpty else { return }
        do {
            let result = try Autograd.checkGradients(of: { prior.logProb(Variable(z)).sum() }, withRespectTo: parameters,
                                                     options: GradientCheckOptions(mode: .full))
            record(.parameterGradient, result.passed, result.maxRelativeError, 1e-3,
                   result.passed ? String(format: "∂ log p/∂θ for %d parameter tensors: max relative error %.2g", parameters.count, result.maxRelativeError)
                                 : "∂ log p/∂θ: \(result)".replacingOccurrences(of: "\n", with: "; "))
        } catch {
            record(.parameterGradient, false, .infinity, 1e-3, "∂ log p/∂θ cannot be checked: \(error)")
        }
    }

    mutating func checkFloat(_ floatPrior: any Prior<Float>, samples: Tensor<Double>, masses: Masses,
                             _ generator: inout TensorRandomGenerator) {
        let pointsFloat = samples.converted(to: Float.self)
        let points = pointsFloat.converted(to: Double.self)
        let double = GradientMode.withoutGradients { prior.logDensity(Variable(points)).value }.scalars
        let single = GradientMode.withoutGradients { floatPrior.logDensity(Variable(pointsFloat)).value }.scalars
        guard single.count == double.count else {
            record(.floatAgreement, false, .infinity, options.floatTolerance, "the Float log-density has \(single.count) values for \(double.count)")
            return
        }
        var worst = 0.0
        for (d, f) in zip(double, single) {
            let error = Swift.abs(Double(f) - d) / max(1, Swift.abs(d))
            worst = error.isNaN ? .infinity : max(worst, error)
        }
        let floatSamples = floatPrior.sample([samplesPerDraw] + shape, temperature: 1, using: &generator).converted(to: Double.self)
        let (statistic, limit) = kolmogorovSmirnov(cdf(floatSamples, masses))
        let passed = worst <= options.floatTolerance && statistic <= limit
        record(.floatAgreement, passed, worst, options.floatTolerance,
               String(format: "log-densities within %.2g relative (limit %.0e); Float samples √n·D = %.3f (limit %.3f)",
                      worst, options.floatTolerance, statistic, limit))
    }
}
