// The shared invariants of every bijector: shape, round trip, log-determinants that cancel and
// that equal a brute-force log|det J|.

import Autograd
import Foundation
import RGFlow
import Tensor
import Testing

/// Checks one bijector at one input: the shape is kept, inverse(forward(x)) = x to `roundTrip`,
/// the two log-determinants sum to 0, and (when `checkJacobian`) the forward log-determinant
/// equals log|det J| of the full Jacobian to 1e-8 · max(1, |log|det J||).
func expectBijectorInvariants(_ bijector: any Bijector<Double>, at x: Tensor<Double>, checkJacobian: Bool = true,
                              sourceLocation: SourceLocation = #_sourceLocation) {
    let (z, logDet) = GradientMode.withoutGradients { bijector.forward(Variable(x)) }
    #expect(z.shape == x.shape, "forward changed the shape", sourceLocation: sourceLocation)
    let (back, inverseLogDet) = GradientMode.withoutGradients { bijector.inverse(z) }
    let roundTrip = (back.value - x).abs().max().scalar
    #expect(roundTrip <= 1e-10, "inverse(forward(x)) is off by \(roundTrip)", sourceLocation: sourceLocation)
    let cancellation = (logDet.value + inverseLogDet.value).abs().max().scalar
    #expect(cancellation <= 1e-10 * max(1, logDet.value.abs().max().scalar),
            "forward and inverse log-determinants do not cancel: \(cancellation)", sourceLocation: sourceLocation)
    guard checkJacobian else { return }
    for sample in 0..<x.shape[0] {
        let single = x.sliced(axis: 0, start: sample, end: sample + 1).copied()
        let matrix = jacobian(of: { bijector.forward($0).output }, at: single)
        let bruteForce = logAbsDeterminant(matrix)
        let analytic = logDet.value[sample]
        #expect(abs(analytic - bruteForce) <= 1e-8 * max(1, abs(bruteForce)),
                "sample \(sample): logDet \(analytic), brute-force log|det J| \(bruteForce)", sourceLocation: sourceLocation)
    }
}

/// The grid: L 4 and 8, C 1 and 3, every shipped coupling, kernel sizes 2 and 4.
struct FlowCase: CustomTestStringConvertible, Sendable {
    var side, channels, kernel: Int
    var subnet: ComponentSpecification
    var testDescription: String { "L\(side) C\(channels) K\(kernel) \(subnet.name)" }

    static let all: [FlowCase] = [4, 8].flatMap { side in
        [1, 3].flatMap { channels in
            [2, 4].flatMap { kernel in
                [ComponentSpecification("rnvp"), "ar", "additive"].map { FlowCase(side: side, channels: channels, kernel: kernel, subnet: $0) }
            }
        }
    }
}

@Suite("Bijector invariants")
struct BijectorInvariantTests {
    @Test("RG-Flow network: exact log-determinant, round trip, cancellation", arguments: FlowCase.all)
    func network(_ flowCase: FlowCase) throws {
        let configuration = try testConfiguration(channels: flowCase.channels, side: flowCase.side,
                                                  kernel: flowCase.kernel, subnet: flowCase.subnet)
        let model = RGFlowModel<Double>(configuration: configuration, seed: 1)
        perturb(model, seed: 2)
        var generator = TensorRandomGenerator(seed: 3)
        let x = Tensor<Double>.normal([2, flowCase.channels, flowCase.side, flowCase.side], using: &generator)
        expectBijectorInvariants(model.network, at: x)
    }

    @Test("RealNVP coupling on blocks", arguments: [1, 3])
    func realNVPCoupling(channels: Int) {
        var generator = TensorRandomGenerator(seed: 4)
        let coupling = RealNVPCoupling<Double>(channels: channels, kernelSize: 4, pairs: 2, hidden: 8, hiddenLayers: 2,
                                               residualBlocks: 2, using: &generator)
        perturb(coupling, seed: 5)
        expectBijectorInvariants(coupling, at: .normal([3, channels, 4, 4], using: &generator))
    }

    @Test("each RealNVP half-step passes its conditioning half bit for bit and changes the rest")
    func conditioningHalfUnchanged() {
        var generator = TensorRandomGenerator(seed: 14)
        let coupling = RealNVPCoupling<Double>(channels: 3, kernelSize: 4, pairs: 2, hidden: 8, hiddenLayers: 1,
                                               residualBlocks: 1, using: &generator)
        perturb(coupling, seed: 15)
        let x = Tensor<Double>.normal([5, 48], using: &generator)
        for pair in 0..<2 {
            for left in [true, false] {
                let y = GradientMode.withoutGradients { coupling.couplingStep(Variable(x), pair: pair, conditioningOnLeft: left) }.output.value
                let mask = (left ? coupling.leftMask : coupling.rightMask).reshaped([48]).scalars
                for row in 0..<5 {
                    for feature in 0..<48 {
                        if mask[feature] == 1 {
                            #expect(y[row, feature] == x[row, feature], "pair \(pair) left \(left): conditioning value changed")
                        } else {
                            #expect(y[row, feature] != x[row, feature], "pair \(pair) left \(left): a transformed value stayed")
                        }
                    }
                }
                let back = GradientMode.withoutGradients {
                    coupling.couplingStep(Variable(y), pair: pair, conditioningOnLeft: left, inverting: true)
                }.output.value
                #expect((back - x).abs().max().scalar < 1e-12)
            }
        }
    }

    @Test("autoregressive coupling on blocks, with a triangular Jacobian", arguments: [1, 2])
    func autoregressiveCoupling(channels: Int) {
        var generator = TensorRandomGenerator(seed: 6)
        let coupling = AutoregressiveCoupling<Double>(channels: channels, kernelSize: 2, pairs: 2, hidden: 8,
                                                      hiddenLayers: 2, residualBlocks: 2, using: &generator)
        perturb(coupling, seed: 7)
        let x = Tensor<Double>.normal([2, channels, 2, 2], using: &generator)
        expectBijectorInvariants(coupling, at: x)
        // Output position p depends on input positions <= p only (features are c · 4 + p).
        let matrix = jacobian(of: { coupling.forward($0).output }, at: x.sliced(axis: 0, start: 0, end: 1).copied())
        for output in matrix.indices {
            for input in matrix.indices where input % 4 > output % 4 {
                #expect(matrix[output][input] == 0, "output \(output) depends on the later input \(input)")
            }
        }
    }

    @Test("logit transform, with and without its inverse")
    func logit() {
        var generator = TensorRandomGenerator(seed: 8)
        let pixels = Tensor<Double>.uniform([2, 3, 4, 4], low: 0.01, high: 0.99, using: &generator)
        expectBijectorInvariants(LogitTransform<Double>(constraint: 0.9), at: pixels)
    }

    /// The round trip's error is z's rounding amplified by the inverse's local expansion,
    /// which random parameters make arbitrarily large: at spread 0.4 the autoregressive test
    /// network contracts by e^-15 per sample and its inverse stretches Float rounding to 1e-4.
    /// So the networks here are the golden cases' (parameters perturbed by the reference's
    /// authors) and random ones at spread 0.25 (log-determinants down to -10).
    @Test("Float round trip within 1e-4")
    func floatRoundTrip() throws {
        var models: [(String, RGFlowModel<Float>)] = []
        for subnet in [ComponentSpecification("rnvp"), "ar"] {
            let model = RGFlowModel<Float>(configuration: try testConfiguration(channels: 3, side: 8, kernel: 4, subnet: subnet), seed: 9)
            perturb(model, seed: 10, spread: 0.25)
            models.append(("random \(subnet)", model))
        }
        if let directory = GoldenCases.directory {
            for name in GoldenCases.names {
                let folder = directory.appendingPathComponent(name)
                let config = try JSONDecoder().decode(GoldenConfiguration.self,
                                                      from: Data(contentsOf: folder.appendingPathComponent("config.json")))
                let model = RGFlowModel<Float>(configuration: try config.flowConfiguration(), seed: 0)
                try model.load(from: try Safetensors(contentsOf: folder.appendingPathComponent("weights.safetensors")))
                models.append(("golden \(name)", model))
            }
        }
        for (name, model) in models {
            let c = model.configuration
            var generator = TensorRandomGenerator(seed: 11)
            let x = Tensor<Float>.normal([4, c.channels, c.sideLength, c.sideLength], using: &generator)
            let back = GradientMode.withoutGradients { model.network.inverse(model.network.forward(Variable(x)).output).output }
            let error = (back.value - x).abs().max().scalar
            #expect(error <= 1e-4, "\(name): Float round trip off by \(error)")
        }
    }

    @Test("an untrained network is the identity (zero-initialised scales)")
    func initialIdentity() throws {
        let configuration = try testConfiguration(channels: 3, side: 8, kernel: 4, subnet: "rnvp")
        let model = RGFlowModel<Double>(configuration: configuration, seed: 12)
        var generator = TensorRandomGenerator(seed: 13)
        let x = Tensor<Double>.normal([2, 3, 8, 8], using: &generator)
        let (z, logDet) = GradientMode.withoutGradients { model.network.forward(Variable(x)) }
        #expect(z.value.scalars == x.scalars)
        #expect(logDet.value.scalars == [0, 0])
    }
}
