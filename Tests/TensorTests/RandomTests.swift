// The seeded generator's fills: moments and CDF points within statistical bounds,
// uncorrelated neighbours, reproducibility for a seed, and different streams for different
// seeds. (Independence of the thread count is in `ThreadCountTests`.)
//
// Bounds: with n samples every statistic below is an average of n i.i.d. terms, so by the
// central limit theorem it lies within 5 standard errors of its expectation except with
// probability 6e-7; the tests are seeded, so a pass is reproducible, and a broken
// transform (wrong scale, a lost pairing, a biased tail) moves a statistic by far more.
// - mean: SE = σ/√n;
// - unbiased sample variance: SE = √((μ4 − σ⁴)/n) to first order, with μ4 the fourth
//   central moment: (b − a)⁴/80 for uniform on [a, b), 3σ⁴ for the normal, 24 s⁴ for Laplace
//   with scale s (σ² = 2 s²);
// - the fraction of samples at or below x: SE = √(F(x)(1 − F(x))/n);
// - the lag-1 sample correlation of independent values: SE = 1/√n.

import Foundation
import Testing
import Tensor

struct Distribution: Sendable, CustomTestStringConvertible {
    enum Kind: Sendable { case uniform, normal, laplace }
    let kind: Kind
    /// (low, high), (mean, standard deviation) or (location, scale).
    let first: Double, second: Double

    var testDescription: String { "\(kind)(\(first), \(second))" }

    func fill<Scalar: TensorScalar>(_ shape: [Int], _ generator: inout TensorRandomGenerator, _: Scalar.Type) -> Tensor<Scalar> {
        switch kind {
        case .uniform: .uniform(shape, low: Scalar(first), high: Scalar(second), using: &generator)
        case .normal: .normal(shape, mean: Scalar(first), standardDeviation: Scalar(second), using: &generator)
        case .laplace: .laplace(shape, location: Scalar(first), scale: Scalar(second), using: &generator)
        }
    }

    var mean: Double { kind == .uniform ? (first + second) / 2 : first }

    var variance: Double {
        switch kind {
        case .uniform: (second - first) * (second - first) / 12
        case .normal: second * second
        case .laplace: 2 * second * second
        }
    }

    var fourthCentralMoment: Double {
        switch kind {
        case .uniform: Foundation.pow(second - first, 4) / 80
        case .normal: 3 * variance * variance
        case .laplace: 24 * Foundation.pow(second, 4)
        }
    }

    func cdf(_ x: Double) -> Double {
        switch kind {
        case .uniform: return Swift.min(Swift.max((x - first) / (second - first), 0), 1)
        case .normal: return 0.5 * erfc(-(x - first) / (second * 2.0.squareRoot()))
        case .laplace:
            let z = (x - first) / second
            return z < 0 ? 0.5 * Foundation.exp(z) : 1 - 0.5 * Foundation.exp(-z)
        }
    }

    /// Points where the CDF is checked: the centre, the shoulders and the tails.
    var probePoints: [Double] {
        let spread = variance.squareRoot()
        return [-2.5, -1, -0.3, 0, 0.3, 1, 2.5].map { mean + $0 * spread }
    }
}

let distributions: [Distribution] = [
    Distribution(kind: .uniform, first: 0, second: 1), Distribution(kind: .uniform, first: -2, second: 3),
    Distribution(kind: .normal, first: 0, second: 1), Distribution(kind: .normal, first: 1.5, second: 0.25),
    Distribution(kind: .laplace, first: 0, second: 1), Distribution(kind: .laplace, first: -1, second: 3),
]

@Suite struct RandomTests {
    static let sampleCount = 200_001  // odd: the normal fill's last value has no partner

    @Test(arguments: distributions)
    func moments(distribution: Distribution) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            var generator = TensorRandomGenerator(seed: 2024)
            let samples = distribution.fill([RandomTests.sampleCount], &generator, Scalar.self).scalars.map(Double.init)
            let n = Double(samples.count)
            let name = "\(distribution) \(Scalar.dtypeName)"
            #expect(samples.allSatisfy { $0.isFinite }, "\(name): non-finite sample")
            if distribution.kind == .uniform {
                #expect(samples.allSatisfy { $0 >= distribution.first && $0 < distribution.second }, "\(name): sample outside [low, high)")
            }
            let mean = samples.reduce(0, +) / n
            let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
            let meanError = distribution.variance.squareRoot() / n.squareRoot()
            #expect(Swift.abs(mean - distribution.mean) <= 5 * meanError,
                    "\(name): mean \(mean), expected \(distribution.mean) ± 5 × \(meanError)")
            let sigma4 = distribution.variance * distribution.variance
            let varianceError = ((distribution.fourthCentralMoment - sigma4) / n).squareRoot()
            #expect(Swift.abs(variance - distribution.variance) <= 5 * varianceError,
                    "\(name): variance \(variance), expected \(distribution.variance) ± 5 × \(varianceError)")
            for x in distribution.probePoints {
                let p = distribution.cdf(x)
                let fraction = Double(samples.count(where: { $0 <= x })) / n
                let error = (p * (1 - p) / n).squareRoot()
                #expect(Swift.abs(fraction - p) <= 5 * error, "\(name): P(X ≤ \(x)) = \(fraction), expected \(p) ± 5 × \(error)")
            }
            // Neighbours are uncorrelated (pairs of normals share a Box–Muller pair).
            var covariance = 0.0
            for i in 0..<(samples.count - 1) { covariance += (samples[i] - mean) * (samples[i + 1] - mean) }
            let correlation = covariance / (n - 1) / variance
            #expect(Swift.abs(correlation) <= 5 / n.squareRoot(), "\(name): lag-1 correlation \(correlation)")
        }
        check(Float.self)
        check(Double.self)
    }

    @Test(arguments: distributions)
    func reproducibility(distribution: Distribution) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            var first = TensorRandomGenerator(seed: 7), second = TensorRandomGenerator(seed: 7)
            let a = distribution.fill([3, 1001], &first, Scalar.self)
            let b = distribution.fill([3, 1001], &second, Scalar.self)
            #expect(bitwiseEqual(a, b), "same seed, same values: \(distribution)")
            #expect(first == second && first.position >= 3003, "the generators advanced alike past the values drawn")
            // The next fill continues the stream: new values.
            let c = distribution.fill([3, 1001], &first, Scalar.self)
            #expect(zip(a.scalars, c.scalars).filter { $0 == $1 }.count < 30, "consecutive fills repeat values: \(distribution)")
            // A different seed gives a different stream.
            var other = TensorRandomGenerator(seed: 8)
            let d = distribution.fill([3, 1001], &other, Scalar.self)
            #expect(zip(a.scalars, d.scalars).filter { $0 == $1 }.count < 30, "seeds 7 and 8 give equal values: \(distribution)")
            // A generator resumed at a saved position continues identically.
            var resumed = TensorRandomGenerator(seed: 7, position: second.position)
            #expect(bitwiseEqual(distribution.fill([3, 1001], &resumed, Scalar.self), distribution.fill([3, 1001], &second, Scalar.self)))
        }
        check(Float.self)
        check(Double.self)
    }

    /// Value i of the stream depends only on (seed, i): two fills of n continue one of 2n.
    @Test func fillsAreSlicesOfOneStream() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            var whole = TensorRandomGenerator(seed: 99), parts = TensorRandomGenerator(seed: 99)
            let all = Tensor<Scalar>.uniform([2000], using: &whole).scalars
            let first = Tensor<Scalar>.uniform([1000], using: &parts).scalars
            let second = Tensor<Scalar>.uniform([1000], using: &parts).scalars
            #expect(all == first + second)
            var normals = TensorRandomGenerator(seed: 99), normalParts = TensorRandomGenerator(seed: 99)
            let pairs = Tensor<Scalar>.normal([2000], using: &normals).scalars
            let halves = Tensor<Scalar>.normal([1000], using: &normalParts).scalars + Tensor<Scalar>.normal([1000], using: &normalParts).scalars
            #expect(pairs == halves)
        }
        check(Float.self)
        check(Double.self)
    }

    /// The generator as a `RandomNumberGenerator`: reproducible 64-bit words with every bit
    /// about half the time, and `split()` streams that differ from the parent's.
    @Test func wordsAndSplit() {
        var a = TensorRandomGenerator(seed: 5), b = TensorRandomGenerator(seed: 5)
        let words = (0..<10_000).map { _ in a.next() }
        #expect(words == (0..<10_000).map { _ in b.next() })
        #expect(a.position == 10_000)
        for bit in 0..<64 {
            let ones = Double(words.count(where: { ($0 >> UInt64(bit)) & 1 == 1 }))
            #expect(Swift.abs(ones - 5000) <= 5 * 50, "bit \(bit) set \(ones) times in 10000 words")  // SE = √(n/4) = 50
        }
        var parent = TensorRandomGenerator(seed: 5)
        var child = parent.split()
        let childWords = (0..<100).map { _ in child.next() }
        let parentWords = (0..<100).map { _ in parent.next() }
        #expect(Set(childWords).isDisjoint(with: parentWords))
        #expect(Set(words).count == words.count, "a 64-bit stream repeats within 10000 words")
    }
}
