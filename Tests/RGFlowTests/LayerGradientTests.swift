// Every layer's gradients against finite differences (full mode), and the whole loss with
// respect to all parameters (random directions).

import Autograd
import Foundation
import RGFlow
import Tensor
import Testing

@Suite("Layer gradients")
struct LayerGradientTests {
    /// Checks a container's function with respect to its parameters (full Jacobian).
    func expectParameterGradients<C: ParameterContainer>(_ container: C, _ function: @escaping () -> Variable<Double>,
                                                         _ label: String) throws where C.Scalar == Double {
        let report = try checkGradients(of: function, withRespectTo: container.parameters)
        #expect(report.passed, "\(label): \(report)")
        #expect(report.comparisons > 0)
    }

    @Test("Swish, weight-norm linear, scale, masked linear: inputs and parameters")
    func smallLayers() throws {
        var generator = TensorRandomGenerator(seed: 41)
        let x = Tensor<Double>.normal([5, 4], using: &generator)
        let swish = Swish<Double>(features: 4)
        perturb(swish, seed: 1)
        expectPassedReport(try checkGradients(of: { swish($0[0]) }, at: [x]), "swish input")
        try expectParameterGradients(swish, { swish(Variable(x)) }, "swish β")
        let linear = WeightNormLinear<Double>(inputs: 4, outputs: 3, using: &generator)
        perturb(linear, seed: 2)
        expectPassedReport(try checkGradients(of: { linear($0[0]) }, at: [x]), "linear input")
        try expectParameterGradients(linear, { linear(Variable(x)) }, "linear parameters")
        let scale = Scale<Double>(features: 4)
        perturb(scale, seed: 3)
        try expectParameterGradients(scale, { scale(Variable(x)) }, "scale")
        let masked = MaskedLinear<Double>(inputChannels: 1, outputChannels: 2, positions: 4, exclusive: true, using: &generator)
        perturb(masked, seed: 4)
        expectPassedReport(try checkGradients(of: { masked($0[0]) }, at: [x]), "masked linear input")
        try expectParameterGradients(masked, { masked(Variable(x)) }, "masked linear parameters")
    }

    @Test("residual networks")
    func networks() throws {
        var generator = TensorRandomGenerator(seed: 42)
        let x = Tensor<Double>.normal([3, 8], using: &generator)
        let network = ResidualNetwork<Double>(width: 8, hidden: 6, hiddenLayers: 2, residualBlocks: 2, appliesTanh: true,
                                              using: &generator)
        perturb(network, seed: 5)
        expectPassedReport(try checkGradients(of: { network($0[0]) }, at: [x]), "resnet input")
        try expectParameterGradients(network, { network(Variable(x)) }, "resnet parameters")
        let masked = MaskedResidualNetwork<Double>(channels: 2, positions: 4, hidden: 8, hiddenLayers: 1, residualBlocks: 2,
                                                   appliesTanh: false, using: &generator)
        perturb(masked, seed: 6)
        expectPassedReport(try checkGradients(of: { masked($0[0]) }, at: [x]), "masked resnet input")
        try expectParameterGradients(masked, { masked(Variable(x)) }, "masked resnet parameters")
    }

    @Test("couplings, forward and inverse")
    func couplings() throws {
        var generator = TensorRandomGenerator(seed: 43)
        let x = Tensor<Double>.normal([2, 2, 2, 2], using: &generator)
        let realNVP = RealNVPCoupling<Double>(channels: 2, kernelSize: 2, pairs: 1, hidden: 6, hiddenLayers: 1,
                                              residualBlocks: 1, using: &generator)
        perturb(realNVP, seed: 7)
        let autoregressive = AutoregressiveCoupling<Double>(channels: 2, kernelSize: 2, pairs: 1, hidden: 8, hiddenLayers: 1,
                                                            residualBlocks: 1, using: &generator)
        perturb(autoregressive, seed: 8)
        for (name, coupling) in [("rnvp", realNVP as any Bijector<Double>), ("ar", autoregressive)] {
            expectPassedReport(try checkGradients(of: { coupling.forward($0[0]).output }, at: [x]), "\(name) forward")
            expectPassedReport(try checkGradients(of: { coupling.forward($0[0]).logDet }, at: [x]), "\(name) logDet")
            expectPassedReport(try checkGradients(of: { coupling.inverse($0[0]).output }, at: [x]), "\(name) inverse")
            try expectParameterGradients(coupling, { coupling.forward(Variable(x)).output }, "\(name) parameters")
        }
    }

    @Test("the whole loss with respect to all parameters (random directions)", arguments: [ComponentSpecification("rnvp"), "ar"])
    func wholeLoss(subnet: ComponentSpecification) throws {
        let configuration = try testConfiguration(channels: 2, side: 8, kernel: 4, subnet: subnet)
        let model = RGFlowModel<Double>(configuration: configuration, seed: 44)
        perturb(model, seed: 9)
        var generator = TensorRandomGenerator(seed: 45)
        let pixels = Tensor<Double>.uniform([2, 2, 8, 8], low: 0.05, high: 0.95, using: &generator)
        let report = try checkGradients(of: { model.loss(pixels: pixels).mean }, withRespectTo: model.parameters,
                                        options: GradientCheckOptions(mode: .randomDirection(seed: 1, directions: 4)))
        #expect(report.passed, "\(report)")
    }
}

func expectPassedReport(_ report: GradientCheckReport, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(report.passed, "\(label): \(report)", sourceLocation: sourceLocation)
}
