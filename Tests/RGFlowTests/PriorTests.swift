// Priors: closed-form values, normalisation by quadrature, sample moments, and the
// worked-example prior's gradient through the public API only.

import Autograd
import Foundation
import RGFlow
import Tensor
import Testing

/// ∫ exp(logDensity) over [-60, 60] by the composite Simpson rule (heavy tails need the range).
func integral(_ prior: any Prior<Double>) -> Double {
    let count = 240_000, low = -60.0, step = 120.0 / Double(count)
    let grid = Tensor<Double>(shape: [count + 1], scalars: (0...count).map { low + Double($0) * step })
    let density = GradientMode.withoutGradients { prior.logDensity(Variable(grid)).value.exp() }.scalars
    var sum = density[0] + density[count]
    for index in 1..<count { sum += density[index] * (index % 2 == 1 ? 4 : 2) }
    return sum * step / 3
}

@Suite("Priors")
struct PriorTests {
    @Test("Laplace log-density: -|z|/b - ln 2b with b = 1/√2")
    func laplaceValues() {
        let z = Tensor<Double>(shape: [1, 3], scalars: [0, 1.5, -2])
        let value = LaplacePrior<Double>().logProb(Variable(z)).value.scalar
        let b = 1 / 2.0.squareRoot()
        let expected = [0, 1.5, -2].map { -abs($0) / b - log(2 * b) }.reduce(0, +)
        #expect(abs(value - expected) < 1e-14)
        // -0.34657359027997264 = ln(1/√2): the density at 0 is 1/(2b) = 1/√2.
        #expect(abs(LaplacePrior<Double>().logProb(Variable(Tensor(shape: [1], scalars: [0]))).value.scalar + 0.34657359027997264) < 1e-15)
    }

    @Test("Gaussian log-density at fixed points")
    func gaussianValues() {
        let z = Tensor<Double>(shape: [1, 2], scalars: [0, 2])
        let value = GaussianPrior<Double>().logProb(Variable(z)).value.scalar
        // ln N(0) = -0.9189385332046727, ln N(2) = -2.9189385332046727
        #expect(abs(value - (-0.9189385332046727 - 2.9189385332046727)) < 1e-14)
    }

    @Test("densities integrate to 1")
    func normalisation() {
        #expect(abs(integral(LaplacePrior<Double>()) - 1) < 1e-6)
        #expect(abs(integral(GaussianPrior<Double>()) - 1) < 1e-8)
        // Student-t tails beyond ±60 hold ~2e-8 of the mass for ν = 5.
        #expect(abs(integral(StudentTPrior<Double>(degreesOfFreedom: 5)) - 1) < 1e-6)
    }

    @Test("sample moments match the temperature-scaled distributions")
    func moments() {
        var generator = TensorRandomGenerator(seed: 31)
        let count = 200_000
        for temperature in [1.0, 0.5] {
            let laplace = LaplacePrior<Double>().sample([count], temperature: temperature, using: &generator)
            let gaussian = GaussianPrior<Double>().sample([count], temperature: temperature, using: &generator)
            // Variance T² for both; the sample variance's standard error is about
            // T² √(κ - 1)/√n (κ = 6 Laplace, 3 Gaussian): 5 standard errors allowed.
            let t2 = temperature * temperature
            #expect(abs(laplace.variance().scalar - t2) < 5 * t2 * 5.0.squareRoot() / Double(count).squareRoot())
            #expect(abs(gaussian.variance().scalar - t2) < 5 * t2 * 2.0.squareRoot() / Double(count).squareRoot())
            #expect(abs(laplace.mean().scalar) < 5 * temperature / Double(count).squareRoot())
        }
        // Student-t, ν = 5: variance ν/(ν - 2) = 5/3; kurtosis is infinite for ν <= 4 only.
        let t = StudentTPrior<Double>(degreesOfFreedom: 5).sample([count], temperature: 1, using: &generator)
        #expect(abs(t.variance().scalar - 5.0 / 3) < 0.1)
        #expect(abs(t.mean().scalar) < 5 * (5.0 / 3 / Double(count)).squareRoot())
    }

    @Test("the worked-example prior passes the gradient check through the public API")
    func studentTGradient() throws {
        var generator = TensorRandomGenerator(seed: 32)
        let z = Tensor<Double>.normal([3, 5], standardDeviation: 2, using: &generator)
        let prior = StudentTPrior<Double>(degreesOfFreedom: 3, scale: 0.8)
        let report = try checkGradients(of: { prior.logProb($0[0]) }, at: [z])
        #expect(report.passed, "\(report)")
    }
}
