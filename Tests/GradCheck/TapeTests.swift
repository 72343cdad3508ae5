// The tape's contract: accumulation over repeated use, zeroing, seeds, the no-gradient
// scope, parameters, and recomputation in backward.

import Autograd
import Tensor
import Testing

@Suite("Tape")
struct TapeTests {
    @Test("a value used twice accumulates both contributions")
    func accumulation() throws {
        let x = Variable(Tensor<Double>(shape: [3], scalars: [1, 2, 3]), requiresGradient: true)
        let y = (x * x + x * 3).sum()  // dy/dx = 2x + 3
        y.backward()
        #expect(try #require(x.gradient).scalars == [5, 7, 9])
    }

    @Test("gradients accumulate across backward calls until zeroed")
    func acrossCalls() throws {
        let x = Variable(Tensor<Double>(shape: [2], scalars: [1, 2]), requiresGradient: true)
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        #expect(try #require(x.gradient).scalars == [5, 5])
        x.zeroGradient()
        #expect(x.gradient == nil)
    }

    @Test("a seed scales the gradient of a non-scalar output")
    func seed() throws {
        let x = Variable(Tensor<Double>(shape: [2], scalars: [1, 2]), requiresGradient: true)
        (x * x).backward(seed: Tensor(shape: [2], scalars: [10, 100]))
        #expect(try #require(x.gradient).scalars == [20, 400])
    }

    @Test("parameters own their gradients, summed over uses")
    func parameters() throws {
        let w = Parameter(Tensor<Double>(shape: [2], scalars: [3, 4]))
        let loss = (w.variable * w.variable).sum() + w.variable.sum()
        loss.backward()
        #expect(try #require(w.gradient).scalars == [7, 9])
        w.zeroGradient()
        #expect(w.gradient == nil)
    }

    @Test("nothing is recorded without gradients")
    func noGradientScope() {
        let w = Parameter(Tensor<Double>(shape: [2], scalars: [3, 4]))
        let y = GradientMode.withoutGradients { (w.variable * 2).exp() }
        #expect(!y.requiresGradient)
        #expect(GradientMode.isRecording)
        y.backward()  // a constant: nothing happens
        #expect(w.gradient == nil)
    }

    @Test("constants get no gradient and cost no graph")
    func constants() {
        let a = Variable(Tensor<Double>.ones([2]))
        #expect(!(a * 3).exp().requiresGradient)
    }

    @Test("a checkpointed block gives the same gradients as the plain one")
    func checkpointing() throws {
        var generator = TensorRandomGenerator(seed: 9)
        let weight = Parameter(Tensor<Double>.normal([4, 4], using: &generator))
        let input = Tensor<Double>.normal([3, 4], using: &generator)
        func block(_ x: [Variable<Double>]) -> Variable<Double> {
            Variable.matmul(x[0], weight.variable).tanh().swish(beta: Variable(1.5))
        }
        let plainInput = Variable(input, requiresGradient: true)
        block([plainInput]).sum().backward()
        let plainWeight = try #require(weight.gradient)
        weight.zeroGradient()
        let checkpointInput = Variable(input, requiresGradient: true)
        checkpointed([checkpointInput], block).sum().backward()
        #expect(try #require(checkpointInput.gradient).scalars == plainInput.gradient?.scalars)
        #expect(try #require(weight.gradient).scalars == plainWeight.scalars)
    }

    @Test("a checkpointed block passes the gradient check")
    func checkpointGradCheck() throws {
        var generator = TensorRandomGenerator(seed: 2)
        let weight = Tensor<Double>.normal([4, 3], using: &generator)
        let input = Tensor<Double>.normal([2, 4], using: &generator)
        let report = try checkGradients(of: { x in
            checkpointed([x[0], x[1]]) { y in Variable.matmul(y[0], y[1]).sigmoid() }
        }, at: [input, weight])
        expectPassed(report)
    }
}
