// The prior checker: every shipped prior passes it, and deliberately wrong priors fail the
// check that describes their fault, and only that one.

import Autograd
import Foundation
import RGFlow
import Tensor
import Testing

/// A Laplace prior with a fault switched on, to show the checker catches it.
struct FaultyLaplacePrior<Scalar: TensorScalar>: Prior {
    enum Fault: Sendable { case none, densityOffset, samplerScale, ignoresTemperature, wrongGradient }
    var fault: Fault
    private let correct = LaplacePrior<Scalar>()

    func logDensity(_ z: Variable<Scalar>) -> Variable<Scalar> {
        switch fault {
        case .densityOffset: return correct.logDensity(z) + Scalar(0.05)
        case .wrongGradient:
            // The right values with a pullback off by 10%: only the gradient check can see it.
            let value = correct.logDensity(Variable(z.value)).value
            return Variable.custom([z], value: value) { g in [g * (-z.value.sign() / correct.scale) * Scalar(1.1)] }
        default: return correct.logDensity(z)
        }
    }

    func sample(_ shape: [Int], temperature: Scalar, using generator: inout TensorRandomGenerator) -> Tensor<Scalar> {
        switch fault {
        case .samplerScale: return correct.sample(shape, temperature: temperature * 1.1, using: &generator)
        case .ignoresTemperature: return correct.sample(shape, temperature: 1, using: &generator)
        default: return correct.sample(shape, temperature: temperature, using: &generator)
        }
    }
}

@Suite("Prior checker")
struct PriorCheckerTests {
    static let latents = LatentLevels(channels: 2, sideLength: 16, kernelSize: 4)

    @Test("every shipped prior passes", arguments: ComponentRegistry.builtInPriors.map { $0.name })
    func shippedPriorsPass(name: String) throws {
        let options = try ComponentRegistry.prior(named: name)
        func check<Options: PriorOptions>(_: Options.Type) -> PriorCheckReport { checkPrior(Options(), latents: Self.latents) }
        let report = check(options)
        #expect(report.passed, "\(report)")
        #expect(report.checks.count >= 6, "\(report)")
        print(report)
    }

    @Test("Student-t with other options, and the per-level Laplace with trained-looking scales")
    func otherSettings() throws {
        var studentT = StudentTPriorOptions()
        studentT.nu = 2.5
        studentT.scale = 0.4
        let report = checkPrior(studentT, latents: Self.latents)
        #expect(report.passed, "\(report)")
        let double = LevelLaplacePrior<Double>(levels: Self.latents), float = LevelLaplacePrior<Float>(levels: Self.latents)
        double.logScale.value = Tensor(shape: [3], scalars: [-1.2, -0.3, 0.4])
        float.logScale.value = double.logScale.value.converted(to: Float.self)
        let levelReport = checkPrior(double, float: float, latentShape: [2, 16, 16])
        #expect(levelReport.passed, "\(levelReport)")
        #expect(levelReport.check(.parameterGradient)?.passed == true, "\(levelReport)")
    }

    @Test("a correct prior in the harness passes, so the faults below are what fails")
    func faultlessControl() {
        let report = checkPrior(FaultyLaplacePrior<Double>(fault: .none), float: FaultyLaplacePrior<Float>(fault: .none),
                                latentShape: [1, 8, 8])
        #expect(report.passed, "\(report)")
    }

    @Test("each fault fails its own check", arguments: [
        (FaultyLaplacePrior<Double>.Fault.densityOffset, PriorCheck.Property.normalization),
        (.samplerScale, .sampling),
        (.ignoresTemperature, .temperature),
        (.wrongGradient, .gradient),
    ])
    func faultsAreCaught(fault: FaultyLaplacePrior<Double>.Fault, property: PriorCheck.Property) {
        let report = checkPrior(FaultyLaplacePrior<Double>(fault: fault), latentShape: [1, 8, 8])
        #expect(!report.passed)
        #expect(report.failures.map(\.property).contains(property), "\(report)")
        #expect(report.description.contains("✗ \(property.rawValue)"), "\(report)")
        // A wrong sampler also misplaces the temperature test's samples; nothing else fails.
        let allowed: Set<PriorCheck.Property> = property == .sampling ? [.sampling, .temperature] : [property]
        #expect(Set(report.failures.map(\.property)).isSubset(of: allowed), "\(report)")
    }

    @Test("a Float prior that disagrees with the Double one fails the Float check")
    func floatDisagreement() {
        let report = checkPrior(FaultyLaplacePrior<Double>(fault: .none), float: FaultyLaplacePrior<Float>(fault: .densityOffset),
                                latentShape: [1, 8, 8])
        #expect(report.failures.map(\.property) == [.floatAgreement], "\(report)")
    }

    @Test("a logDensity that is not elementwise is reported, not trapped")
    func notElementwise() {
        struct Summing: Prior {
            typealias Scalar = Double
            func logDensity(_ z: Variable<Double>) -> Variable<Double> { z.sum(axes: [1]) }
            func sample(_ shape: [Int], temperature: Double, using generator: inout TensorRandomGenerator) -> Tensor<Double> {
                .normal(shape, using: &generator)
            }
        }
        let report = checkPrior(Summing(), latentShape: [3])
        #expect(report.failures.map(\.property) == [.shape], "\(report)")
    }
}
