// The fused residual subnet against the layer-by-layer tape: same values and every gradient,
// and its fused kernels against the unfused ones bit for bit.

@_spi(AutogradKernels) import Tensor
import Autograd
import Foundation
@testable import RGFlow
import Testing

@Suite("Fused residual subnet")
struct FusedSubnetTests {
    @Test("values and all gradients equal the tape's", arguments: [(true, 1, 2), (false, 2, 1), (true, 3, 2)])
    func fusedEqualsTape(tanh: Bool, residualBlocks: Int, hiddenLayers: Int) throws {
        var generator = TensorRandomGenerator(seed: 21)
        let network = ResidualNetwork<Double>(width: 12, hidden: 10, hiddenLayers: hiddenLayers, residualBlocks: residualBlocks,
                                              appliesTanh: tanh, using: &generator)
        perturb(network, seed: 22, spread: 0.5)
        let x = Tensor<Double>.normal([37, 12], using: &generator)
        let seed = Tensor<Double>.normal([37, 12], using: &generator)
        func run(fused: Bool) -> (Tensor<Double>, Tensor<Double>, [Tensor<Double>]) {
            network.usesFusedPass = fused
            network.parameters.forEach { $0.zeroGradient() }
            let leaf = Variable(x, requiresGradient: true)
            let y = network(leaf)
            y.backward(seed: seed)
            return (y.value, leaf.gradient!, network.parameters.map { $0.gradient! })
        }
        let tape = run(fused: false), fused = run(fused: true)
        func close(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Bool {
            (a - b).abs().max().scalar <= 1e-12 * max(1, b.abs().max().scalar)
        }
        #expect(close(fused.0, tape.0), "values differ")
        #expect(close(fused.1, tape.1), "input gradients differ")
        for (index, (a, b)) in zip(fused.2, tape.2).enumerated() {
            #expect(close(a, b), "parameter \(network.namedParameters[index].name): gradients differ by \((a - b).abs().max().scalar)")
        }
    }

    @Test("the fused network passes the gradient check with respect to its input and all parameters")
    func fusedGradientCheck() throws {
        var generator = TensorRandomGenerator(seed: 23)
        let network = ResidualNetwork<Double>(width: 6, hidden: 5, hiddenLayers: 2, residualBlocks: 2, appliesTanh: true,
                                              using: &generator)
        perturb(network, seed: 24, spread: 0.5)
        let x = Tensor<Double>.normal([4, 6], using: &generator)
        #expect(try checkGradients(of: { network($0[0]) }, at: [x]).passed)
        let report = try checkGradients(of: { network(Variable(x)).squared().sum() }, withRespectTo: network.parameters)
        #expect(report.passed, "\(report)")
    }

    @Test("the fused Swish and scale backward kernels equal the unfused ones bit for bit", arguments: [Float(0), 1])
    func fusedKernelsAreBitwise(scalar: Float) {
        func check<S: TensorScalar>(_: S.Type) {
            var generator = TensorRandomGenerator(seed: 25)
            for (rows, columns) in [(1, 1), (33, 17), (100, 48), (257, 128)] {
                let g = Tensor<S>.normal([rows, columns], using: &generator), x = Tensor<S>.normal([rows, columns], using: &generator)
                let beta = Tensor<S>.normal([columns], mean: 1, using: &generator), residual = Tensor<S>.normal([rows, columns], using: &generator)
                let fused = Tensor.swishBackward(upstream: g, input: x, beta: beta, residual: residual, columnSumOfInput: true)
                let input = Tensor.swishInputGradient(upstream: g, input: x, beta: beta) + residual
                #expect(fused.input.scalars == input.scalars)
                #expect(fused.beta.scalars == Tensor.swishBetaGradient(upstream: g, input: x, beta: beta).sum(axes: [0]).scalars)
                #expect(fused.inputColumnSum!.scalars == input.sum(axes: [0]).scalars)
                let y = (x * beta).tanh()
                let scale = Tensor.scaleBackward(upstream: g, input: x, output: y, scale: beta, appliesTanh: true)
                let t = Tensor.tanhGradient(upstream: g, output: y)
                #expect(scale.input.scalars == (t * beta).scalars)
                #expect(scale.scale.scalars == (t * x).sum(axes: [0]).scalars)
            }
        }
        if scalar == 0 { check(Float.self) } else { check(Double.self) }
    }
}
