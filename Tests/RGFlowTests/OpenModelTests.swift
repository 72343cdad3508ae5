// The open model: components by name with options, configurations that store and reload
// them, a prior registered from outside the package, level-addressed latents, and the flow's
// exact encode/decode.

import Autograd
import Foundation
import RGFlow
import Tensor
import Testing

/// A prior defined outside the package, as a user would: the logistic distribution,
/// log p(z) = -z/s - 2 ln(1 + e^(-z/s)) - ln s, sampled by the inverse CDF s ln(u / (1 - u)).
struct LogisticPrior<Scalar: TensorScalar>: Prior {
    var scale: Double
    func logDensity(_ z: Variable<Scalar>) -> Variable<Scalar> {
        let x = z * Scalar(1 / scale)
        return -x - (-x).softplus() * 2 - Scalar(Foundation.log(scale))
    }
    func sample(_ shape: [Int], temperature: Scalar, using generator: inout TensorRandomGenerator) -> Tensor<Scalar> {
        let u = Tensor<Scalar>.uniform(shape, low: Scalar(1e-7), high: Scalar(1 - 1e-7), using: &generator)
        return (u / (1 - u)).log() * Scalar(scale) * temperature
    }
}

struct LogisticPriorOptions: PriorOptions {
    static let name = "logistic"
    static let summary = "logistic (test)"
    var scale = 0.5
    init() {}
    func validate() throws { if scale <= 0 { throw ConfigurationError("prior logistic: scale must be positive") } }
    func makePrior<Scalar: TensorScalar>(for latents: LatentLevels, as _: Scalar.Type) -> any Prior<Scalar> {
        LogisticPrior<Scalar>(scale: scale)
    }
}

@Suite("Open model", .serialized)
struct OpenModelTests {
    static func configuration(prior: ComponentSpecification = "laplace", coupling: ComponentSpecification = "rnvp",
                              side: Int = 8, hidden: String = "16") throws -> FlowConfiguration {
        try FlowConfiguration(channels: 2, sideLength: side, kernelSize: 4, prior: prior, coupling: coupling, layers: "1",
                              residualBlocks: "1", hiddenLayers: "1", hiddenWidths: hidden)
    }

    @Test("options are completed with defaults, and unknown keys, wrong types and bad values are refused by name")
    func optionResolution() throws {
        let defaults = try Self.configuration(prior: "studentt")
        #expect(defaults.prior.options == ["nu": .number(5), "scale": .number(1)])
        let three = try Self.configuration(prior: ComponentSpecification("studentt", options: ["nu": .number(3)]))
        #expect(three.prior.options == ["nu": .number(3), "scale": .number(1)])
        #expect(three != defaults)
        #expect(try Self.configuration(prior: ComponentSpecification("studentt", options: ["nu": .number(5)])) == defaults)
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try Self.configuration(prior: ComponentSpecification("studentt", options: ["mu": .number(1)])) }
            == "prior studentt has no option mu: its options are nu, scale")
        #expect(message { _ = try Self.configuration(prior: ComponentSpecification("studentt", options: ["nu": .string("x")])) }
            == "prior studentt option nu=x: expected a value like 5")
        #expect(message { _ = try Self.configuration(prior: ComponentSpecification("studentt", options: ["nu": .number(0)])) }
            == "prior studentt: nu must be positive, got 0.0")
        #expect(message { _ = try Self.configuration(prior: ComponentSpecification("laplace", options: ["b": .number(1)])) }
            == "prior laplace has no option b: it has no options")
        // The list is every registered name (this suite registers "logistic" too), sorted.
        #expect(message { _ = try Self.configuration(prior: "cauchy") }
            == "unknown prior 'cauchy': registered priors are \(ComponentRegistry.priorNames.joined(separator: ", "))")
        #expect(Set(["gaussian", "laplace", "level_laplace", "studentt"]).isSubset(of: ComponentRegistry.priorNames))
        #expect(message { _ = try Self.configuration(coupling: "ar", hidden: "20") }.contains("divisible by kernel_size² = 16, got 20"))
        #expect(try ComponentSpecification.parseOptions("nu=3, scale=0.5,flag=true,mode=fast", flag: "--prior_options")
            == ["nu": .number(3), "scale": .number(0.5), "flag": .bool(true), "mode": .string("fast")])
        #expect(message { _ = try ComponentSpecification.parseOptions("nu=3,nu=4", flag: "--prior_options") }
            == "--prior_options \"nu=3,nu=4\": nu is given twice")
    }

    @Test("network names carry the options that differ from their defaults")
    func networkNames() throws {
        #expect(try Self.configuration(prior: "studentt").networkName == "studentt_nl1_nr1_nm1_nh16")
        let options: [String: OptionValue] = ["nu": .number(3), "scale": .number(0.5)]
        #expect(try Self.configuration(prior: ComponentSpecification("studentt", options: options)).networkName
            == "studentt-nu3-scale0.5_nl1_nr1_nm1_nh16")
        #expect(try Self.configuration(prior: "gaussian", coupling: "additive").networkName == "additive_nl1_nr1_nm1_nh16")
        #expect(try Self.configuration(prior: "level_laplace").networkName == "level_laplace_nl1_nr1_nm1_nh16")
    }

    @Test("configurations round-trip through JSON; older checkpoints' bare names still decode; unknown names are refused")
    func configurationCoding() throws {
        let configuration = try Self.configuration(prior: ComponentSpecification("studentt", options: ["nu": .number(3)]),
                                                   coupling: "additive")
        let data = try JSONEncoder().encode(configuration)
        #expect(try JSONDecoder().decode(FlowConfiguration.self, from: data) == configuration)
        let old = #"{"channels":2,"sideLength":8,"kernelSize":4,"prior":"laplace","subnet":"ar","layerCounts":[1,1,1,1],"#
            + #""residualBlockCounts":[1,1,1,1],"hiddenLayerCounts":[1,1,1,1],"hiddenWidths":[16,16,16,16]}"#
        #expect(try JSONDecoder().decode(FlowConfiguration.self, from: Data(old.utf8))
            == Self.configuration(coupling: "ar"))
        let unknown = old.replacingOccurrences(of: #""prior":"laplace""#, with: #""prior":"cauchy""#)
        #expect(throws: ConfigurationError.self) { try JSONDecoder().decode(FlowConfiguration.self, from: Data(unknown.utf8)) }
    }

    @Test("a prior registered from outside the package builds, trains a step and passes the checker")
    func userPrior() throws {
        ComponentRegistry.register(prior: LogisticPriorOptions.self)
        #expect(ComponentRegistry.priorNames.contains("logistic"))
        let configuration = try Self.configuration(prior: ComponentSpecification("logistic", options: ["scale": .number(0.7)]))
        #expect(configuration.networkName.hasPrefix("logistic-scale0.7_"))
        let model = RGFlowModel<Double>(configuration: configuration, seed: 1)
        var generator = TensorRandomGenerator(seed: 2)
        let loss = model.loss(pixels: .uniform([2, 2, 8, 8], low: 0.1, high: 0.9, using: &generator))
        #expect(loss.mean.value.scalar.isFinite)
        let report = checkPrior(LogisticPriorOptions(), latents: configuration.latentLevels)
        #expect(report.passed, "\(report)")
    }

    @Test("latent levels for L 32, K 4: 768, 192, 48 and 16 positions, as the doc comment states")
    func levelCounts() {
        let levels = LatentLevels(channels: 3, sideLength: 32, kernelSize: 4)
        #expect(levels.topLevel == 3)
        #expect(levels.positionsByLevel.map(\.count) == [768, 192, 48, 16])
        #expect((0..<4).map { levels.latentCount(atLevel: $0) } == [2304, 576, 144, 48])
        #expect(levels.level(row: 0, column: 0) == 3 && levels.level(row: 16, column: 8) == 3)
        #expect(levels.level(row: 4, column: 8) == 2 && levels.level(row: 2, column: 6) == 1 && levels.level(row: 3, column: 8) == 0)
        // Levels >= l are exactly the reference's z[:, :, ::k, ::k] with k = 2^l.
        for level in 0...3 {
            let k = 1 << level
            for i in 0..<32 {
                for j in 0..<32 { #expect((levels.level(row: i, column: j) >= level) == (i % k == 0 && j % k == 0)) }
            }
        }
    }

    @Test("level l's layers touch only positions of level >= l", arguments: [(8, 2), (16, 4), (32, 4)])
    func layersTouchTheirLevels(side: Int, kernel: Int) {
        let levels = LatentLevels(channels: 1, sideLength: side, kernelSize: kernel)
        for layer in 0..<(2 * levels.levelCount) {
            let pattern = MERALayerPattern(layer: layer, sideLength: side, kernelSize: kernel)
            for position in pattern.table.positions {
                #expect(levels.levelOfPosition[Int(position)] >= pattern.level, "layer \(layer) touches position \(position)")
            }
        }
    }

    @Test("split and merge are exact inverses; combining at level 0 and past the top returns one input")
    func splitMerge() {
        let levels = LatentLevels(channels: 3, sideLength: 16, kernelSize: 4)
        var generator = TensorRandomGenerator(seed: 3)
        let z = Tensor<Double>.normal([2, 3, 16, 16], using: &generator)
        let parts = levels.split(z)
        #expect(parts.map(\.shape) == [[2, 3, 192], [2, 3, 48], [2, 3, 16]])
        #expect(levels.merge(parts).scalars == z.scalars)
        let other = Tensor<Double>.normal([2, 3, 16, 16], using: &generator)
        #expect(levels.combining(coarse: z, fine: other, fromLevel: 0).scalars == z.scalars)
        #expect(levels.combining(coarse: z, fine: other, fromLevel: 3).scalars == other.scalars)
        let mixed = levels.split(levels.combining(coarse: z, fine: other, fromLevel: 1))
        #expect(mixed[0].scalars == levels.split(other)[0].scalars)
        #expect(mixed[1].scalars == parts[1].scalars && mixed[2].scalars == parts[2].scalars)
    }

    @Test("encode and decode are exact inverses through the logit transform and the network",
          arguments: [ComponentSpecification("rnvp"), "ar", "additive"])
    func encodeDecode(coupling: ComponentSpecification) throws {
        let model = RGFlowModel<Double>(configuration: try Self.configuration(coupling: coupling), seed: 4)
        perturb(model, seed: 5, spread: 0.3)
        var generator = TensorRandomGenerator(seed: 6)
        let pixels = Tensor<Double>.uniform([3, 2, 8, 8], low: 0.02, high: 0.98, using: &generator)
        let z = model.encode(pixels)
        #expect((model.decode(z) - pixels).abs().max().scalar <= 1e-10)
        let latents = model.sampleLatents(count: 2, temperature: 0.7, using: &generator)
        #expect((model.encode(model.decode(latents)) - latents).abs().max().scalar <= 1e-10)
        // The loss is -log p of the one chain: the prior at z plus both stages' log-determinants.
        let (logits, logitLogDet) = model.logitTransform.forward(Variable(pixels))
        let (latent, logDet) = model.network.forward(logits)
        let byStage = (model.prior.logProb(latent) + logDet + logitLogDet).value / -128
        #expect((model.loss(pixels: pixels).perSample.value - byStage).abs().max().scalar <= 1e-12)
    }

    @Test("the additive coupling's log-determinant is exactly zero")
    func additiveIsVolumePreserving() throws {
        let model = RGFlowModel<Double>(configuration: try Self.configuration(coupling: "additive"), seed: 7)
        perturb(model, seed: 8)
        var generator = TensorRandomGenerator(seed: 9)
        let (_, logDet) = GradientMode.withoutGradients { model.network.forward(Variable(.normal([2, 2, 8, 8], using: &generator))) }
        #expect(logDet.value.scalars == [0, 0])
    }
}
