// Parity with the reference PyTorch program: every case folder of the golden directory is
// rebuilt from its config.json and weights and must reproduce every saved quantity.

import Autograd
import Foundation
import RGFlow
import Tensor
import Testing

/// The golden cases: `RGFLOW_GOLDEN_DIR`, else `../shared/golden` beside the package root.
enum GoldenCases {
    static let directory: URL? = {
        let fileManager = FileManager.default
        if let path = ProcessInfo.processInfo.environment["RGFLOW_GOLDEN_DIR"] {
            return fileManager.fileExists(atPath: path) ? URL(fileURLWithPath: path) : nil
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidate = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/golden")
        return fileManager.fileExists(atPath: candidate.path) ? candidate : nil
    }()

    /// Folder names that hold a config.json.
    static let names: [String] = {
        guard let directory, let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return entries.filter {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).appendingPathComponent("config.json").path)
        }.sorted()
    }()
}

/// A case's configuration as written by the reference's flags.
struct GoldenConfiguration: Decodable {
    var nchannels: Int
    var L: Int
    var kernel_size: Int
    var prior: String
    var subnet: String
    var nlayers: String
    var nresblocks: String
    var nmlp: String
    var nhidden: String
    var logit_constraint: Double
    var dequant: Bool

    func flowConfiguration() throws -> FlowConfiguration {
        try FlowConfiguration(channels: nchannels, sideLength: L, kernelSize: kernel_size,
                              prior: ComponentSpecification(prior), coupling: ComponentSpecification(subnet),
                              layers: nlayers, residualBlocks: nresblocks, hiddenLayers: nmlp, hiddenWidths: nhidden)
    }
}

/// max |actual - expected| / max(max |expected|, tiny): relative to the tensor's scale.
func relativeError(_ actual: Tensor<Double>, _ expected: Tensor<Double>) -> Double {
    precondition(actual.shape == expected.shape, "shapes \(actual.shape) and \(expected.shape)")
    let scale = max(expected.abs().max().scalar, Double.leastNormalMagnitude)
    return (actual - expected).abs().max().scalar / scale
}

@Suite("Golden parity with the reference")
struct GoldenParityTests {
    @Test("forward, inverse, loss and every gradient match the reference",
          .enabled(if: GoldenCases.directory != nil, "golden directory not found: set RGFLOW_GOLDEN_DIR or place it at ../shared/golden"),
          arguments: GoldenCases.names)
    func parity(_ name: String) throws {
        let folder = try #require(GoldenCases.directory).appendingPathComponent(name)
        let config = try JSONDecoder().decode(GoldenConfiguration.self,
                                              from: Data(contentsOf: folder.appendingPathComponent("config.json")))
        #expect(!config.dequant, "golden cases are computed without dequantisation")
        let configuration = try config.flowConfiguration()
        let model = RGFlowModel<Double>(configuration: configuration, seed: 0, logitConstraint: config.logit_constraint)
        let weights = try Safetensors(contentsOf: folder.appendingPathComponent("weights.safetensors"))
        var stateDict: [String: Tensor<Double>] = [:]
        for tensorName in weights.tensorNames { stateDict[tensorName] = try weights.tensor(named: tensorName, as: Double.self) }
        try model.load(stateDict: stateDict)
        let expected = try Safetensors(contentsOf: folder.appendingPathComponent("expected.safetensors"))
        func reference(_ key: String) throws -> Tensor<Double> { try expected.tensor(named: key, as: Double.self) }

        let pixels = try reference("pixels")
        let (logits, logitLogDet) = model.logitTransform.forward(Variable(pixels))
        let loss = model.loss(pixels: pixels)
        let (z, logDet) = GradientMode.withoutGradients { model.network.forward(logits) }
        let logProb = GradientMode.withoutGradients { model.prior.logProb(z) + logDet }
        let comparisons: [(String, Tensor<Double>)] = [
            ("x", logits.value), ("ldj_logit", logitLogDet.value), ("z", z.value), ("ldj", logDet.value),
            ("log_prob", logProb.value), ("loss", loss.perSample.value),
            ("bpd", (loss.perSample.value + Foundation.log(256)) / Foundation.log(2)),
        ]
        for (key, actual) in comparisons {
            let error = relativeError(actual, try reference(key))
            #expect(error <= 1e-9, "\(name): \(key) relative error \(error)")
        }
        if expected.contains("x_inverse") {
            let (inverse, inverseLogDet) = GradientMode.withoutGradients { model.network.inverse(Variable(try! reference("z"))) }
            let error = relativeError(inverse.value, try reference("x_inverse"))
            #expect(error <= 1e-9, "\(name): x_inverse relative error \(error)")
            if expected.contains("inv_ldj") {
                let ldjError = relativeError(inverseLogDet.value, try reference("inv_ldj"))
                #expect(ldjError <= 1e-9, "\(name): inv_ldj relative error \(ldjError)")
            }
        }
        loss.mean.backward()
        let gradientKeys = expected.tensorNames.filter { $0.hasPrefix("grad.") }
        #expect(!gradientKeys.isEmpty)
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter) })
        #expect(Set(gradientKeys.map { String($0.dropFirst(5)) }) == Set(parameters.keys),
                "\(name): the reference's parameters and ours differ")
        for key in gradientKeys {
            let parameter = try #require(parameters[String(key.dropFirst(5))], "\(name): no parameter for \(key)")
            let gradient = try #require(parameter.gradient, "\(name): no gradient reached \(key)")
            let error = relativeError(gradient, try reference(key))
            #expect(error <= 1e-8, "\(name): \(key) relative error \(error)")
        }
    }
}
