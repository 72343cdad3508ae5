// Composites built from primitives, checked end to end: a weight-normed linear layer, Swish
// with learnable beta, a residual block, and the Laplace and Gaussian log-densities.

import Autograd
import Foundation
import Tensor
import Testing

/// weight = g · v / ‖v‖ (row norms), y = x·weightᵀ + bias.
func weightNormLinear(_ x: Variable<Double>, v: Variable<Double>, g: Variable<Double>, bias: Variable<Double>) -> Variable<Double> {
    let weight = g * v / v.norm(axes: [1], keepingDimensions: true)
    return Variable.matmul(x, weight, transposingB: true, bias: bias)
}

@Suite("Composite gradients")
struct CompositeGradientTests {
    @Test("weight-normed linear layer")
    func weightNormedLinear() throws {
        var generator = TensorRandomGenerator(seed: 21)
        let inputs: [Tensor<Double>] = [
            .normal([5, 4], using: &generator), .normal([3, 4], using: &generator),
            .uniform([3, 1], low: 0.5, high: 2, using: &generator), .normal([3], using: &generator),
        ]
        expectPassed(try checkGradients(of: { weightNormLinear($0[0], v: $0[1], g: $0[2], bias: $0[3]) }, at: inputs))
    }

    @Test("Swish with learnable beta, composite form against the fused primitive")
    func swish() throws {
        var generator = TensorRandomGenerator(seed: 22)
        let inputs: [Tensor<Double>] = [.normal([4, 3], using: &generator), .normal([3], using: &generator)]
        expectPassed(try checkGradients(of: { $0[0] * ($0[0] * $0[1]).sigmoid() }, at: inputs))
        let fused = GradientMode.withoutGradients { Variable(inputs[0]).swish(beta: Variable(inputs[1])).value }
        let composite = inputs[0] * (inputs[0] * inputs[1]).sigmoid()
        #expect((fused - composite).abs().max().scalar < 1e-15)
    }

    @Test("residual block: x + linear(swish(linear(swish(x)))) / √2")
    func residualBlock() throws {
        var generator = TensorRandomGenerator(seed: 23)
        let inputs: [Tensor<Double>] = [
            .normal([6, 4], using: &generator),
            .normal([4], using: &generator), .normal([5, 4], using: &generator), .normal([5], using: &generator),
            .normal([5], using: &generator), .normal([4, 5], using: &generator), .normal([4], using: &generator),
        ]
        let report = try checkGradients(of: { p in
            let hidden = Variable.matmul(p[0].swish(beta: p[1]), p[2], transposingB: true, bias: p[3])
            let output = Variable.matmul(hidden.swish(beta: p[4]), p[5], transposingB: true, bias: p[6])
            return (p[0] + output) / 2.0.squareRoot()
        }, at: inputs)
        expectPassed(report)
    }

    @Test("Laplace log-density away from the kink at 0")
    func laplace() throws {
        var generator = TensorRandomGenerator(seed: 24)
        let z = Domain.awayFromZero.sample([3, 4], &generator)
        let scale = Tensor<Double>(0.7)
        let report = try checkGradients(of: { p in
            (-(p[0].abs() / p[1]) - (p[1] * 2).log()).sum(axes: [1])
        }, at: [z, scale])
        expectPassed(report)
    }

    @Test("Gaussian log-density")
    func gaussian() throws {
        var generator = TensorRandomGenerator(seed: 25)
        let z = Tensor<Double>.normal([3, 4], using: &generator)
        let sigma = Tensor<Double>(1.3)
        let report = try checkGradients(of: { p in
            (-(p[0].squared() / (p[1].squared() * 2)) - p[1].log() - 0.5 * Foundation.log(2 * Double.pi)).sum(axes: [1])
        }, at: [z, sigma])
        expectPassed(report)
    }

    @Test("softplus, logSigmoid, mean, variance, logSumExp composites")
    func otherComposites() throws {
        var generator = TensorRandomGenerator(seed: 26)
        let x = Tensor<Double>.normal([3, 4], standardDeviation: 3, using: &generator)
        expectPassed(try checkGradients(of: { $0[0].softplus() }, at: [x]), "softplus")
        expectPassed(try checkGradients(of: { $0[0].logSigmoid() }, at: [x]), "logSigmoid")
        expectPassed(try checkGradients(of: { $0[0].mean(axes: [0]) }, at: [x]), "mean")
        expectPassed(try checkGradients(of: { $0[0].variance(axes: [1]) }, at: [x]), "variance")
        expectPassed(try checkGradients(of: { $0[0].logSumExp(axes: [1]) }, at: [x]), "logSumExp")
        // softplus has derivative exactly 1/2 at 0 through the tie rule of maximum.
        let zero = Variable(Tensor<Double>.zeros([1]), requiresGradient: true)
        zero.softplus().sum().backward()
        #expect(zero.gradient?.scalars == [0.5])
    }
}
