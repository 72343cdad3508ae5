// The checker must catch what it exists to catch: a wrong derivative, a backward that
// ignores its upstream gradient, and inputs it cannot check.

import Autograd
import Foundation
import Tensor
import Testing

/// sin with a hand-written pullback; `wrong` adds 0.1 to the derivative.
func sine(_ x: Variable<Double>, wrong: Bool = false) -> Variable<Double> {
    let values = x.value.scalars
    let value = Tensor(shape: x.shape, scalars: values.map { Foundation.sin($0) })
    let derivative = Tensor(shape: x.shape, scalars: values.map { Foundation.cos($0) + (wrong ? 0.1 : 0) })
    return Variable.custom([x], value: value) { g in [g * derivative] }
}

@Suite("Gradient checker self-tests")
struct CheckerSelfTests {
    let point: Tensor<Double> = {
        var generator = TensorRandomGenerator(seed: 5)
        return Tensor<Double>.uniform([2, 3], low: -2, high: 2, using: &generator)
    }()

    @Test("a correct custom rule passes, in both modes")
    func correctRulePasses() throws {
        expectPassed(try checkGradients(of: { sine($0[0]) }, at: [point]))
        expectPassed(try checkGradients(of: { sine($0[0]).sum() }, at: [point],
                                        options: GradientCheckOptions(mode: .randomDirection(seed: 1, directions: 4))))
    }

    @Test("a wrong derivative rule is caught, in both modes")
    func wrongRuleIsCaught() throws {
        let full = try checkGradients(of: { sine($0[0], wrong: true) }, at: [point])
        #expect(!full.passed)
        #expect(full.failures.count > 0)
        #expect(abs((full.worst?.absoluteError ?? 0) - 0.1) < 1e-4, "the worst error is the injected 0.1: \(full)")
        let direction = try checkGradients(of: { sine($0[0], wrong: true).sum() }, at: [point],
                                           options: GradientCheckOptions(mode: .randomDirection(seed: 1)))
        #expect(!direction.passed)
    }

    @Test("a backward that ignores its upstream gradient fails the zero-cotangent check")
    func ignoringUpstreamIsCaught() throws {
        let report = try checkGradients(of: { x in
            let derivative = x[0].value.scalars.map { Foundation.cos($0) }
            return Variable.custom(x, value: Tensor(shape: x[0].shape, scalars: x[0].value.scalars.map { Foundation.sin($0) })) { _ in
                [Tensor(shape: x[0].shape, scalars: derivative)]
            }
        }, at: [point])
        #expect(report.sideCheckFailures.contains { $0.contains("zero cotangent") }, "\(report)")
    }

    @Test("Float inputs are refused with a clear message")
    func floatIsRefused() {
        #expect(throws: GradientCheckError.self) {
            try checkGradients(of: { $0[0].exp() }, at: [point.converted(to: Float.self)])
        }
        do {
            _ = try checkGradients(of: { $0[0].exp() }, at: [point.converted(to: Float.self)])
        } catch {
            #expect(error.description.contains("Double"))
        }
    }

    @Test("expanded inputs are refused")
    func expandedIsRefused() {
        let expanded = Tensor<Double>(shape: [1, 3], scalars: [1, 2, 3]).expanded(to: [4, 3])
        #expect(throws: GradientCheckError.self) {
            try checkGradients(of: { $0[0].exp() }, at: [expanded])
        }
    }

    @Test("a function that ignores its input is reported as constant")
    func constantIsReported() {
        #expect(throws: GradientCheckError.self) {
            try checkGradients(of: { _ in Variable(Tensor<Double>.ones([2])) }, at: [point])
        }
    }
}
