// Loading weights by name: strictness (missing, unexpected, wrong shape, differing buffers),
// the ignored debug statistics, and F32 <-> F64 conversion through safetensors.

import Autograd
import Foundation
import RGFlow
import Tensor
import Testing

@Suite("State dict")
struct StateDictTests {
    func model<Scalar: TensorScalar>(_: Scalar.Type, seed: UInt64) throws -> RGFlowModel<Scalar> {
        RGFlowModel<Scalar>(configuration: try testConfiguration(channels: 3, side: 8, kernel: 4, subnet: "rnvp"), seed: seed)
    }

    func problems(_ body: () throws -> Void) -> [String] {
        do { try body(); return [] } catch let error as StateDictError { return error.problems } catch { return ["\(error)"] }
    }

    @Test("a model's own state dict loads into another, and the values arrive")
    func roundTrip() throws {
        let source = try model(Double.self, seed: 1)
        perturb(source, seed: 2)
        let target = try model(Double.self, seed: 3)
        try target.load(stateDict: source.stateDict)
        for (a, b) in zip(source.parameters, target.parameters) { #expect(a.value.scalars == b.value.scalars) }
    }

    @Test("missing, unexpected and misshapen keys are named; nothing changes then")
    func strictness() throws {
        let target = try model(Double.self, seed: 4)
        let before = target.parameters.map(\.value.scalars)
        var dictionary = try model(Double.self, seed: 5).stateDict
        dictionary["layers.0.s_layers.0.scale.scale"] = nil
        dictionary["layers.9.extra"] = .zeros([2])
        dictionary["layers.1.t_layers.0.res_blocks.0.1.bias"] = .zeros([3])
        let found = problems { try target.load(stateDict: dictionary) }
        #expect(found.contains { $0.contains("missing parameter layers.0.s_layers.0.scale.scale") })
        #expect(found.contains { $0.contains("unexpected key layers.9.extra") })
        #expect(found.contains { $0.contains("layers.1.t_layers.0.res_blocks.0.1.bias: shape [3]") })
        #expect(target.parameters.map(\.value.scalars) == before)
    }

    @Test("debug statistics are ignored; a wrong mask or prior scale is refused")
    func buffers() throws {
        let target = try model(Double.self, seed: 6)
        var dictionary = try model(Double.self, seed: 7).stateDict
        dictionary["layers.0.s_layers.0.scale.saved_mean"] = .full([48], value: 123)
        dictionary["layers.2.t_layers.0.scale.saved_var"] = nil
        #expect(problems { try target.load(stateDict: dictionary) }.isEmpty)
        dictionary["prior.scale"] = Tensor(2.0)
        dictionary["layers.0.mask_left"] = .ones([3, 4, 4])
        let found = problems { try target.load(stateDict: dictionary) }
        #expect(found.contains { $0.contains("prior.scale") })
        #expect(found.contains { $0.contains("layers.0.mask_left") })
    }

    @Test("Float weights load into a Double model and back through safetensors")
    func conversion() throws {
        let source = try model(Float.self, seed: 8)
        perturb(source, seed: 9)
        var builder = SafetensorsBuilder()
        try source.addStateDict(to: &builder)
        let file = try Safetensors(bytes: try builder.serialized())
        let double = try model(Double.self, seed: 10)
        try double.load(from: file)
        for (a, b) in zip(source.parameters, double.parameters) {
            #expect(a.value.scalars.map(Double.init) == b.value.scalars)  // Float → Double is exact
        }
        var back = SafetensorsBuilder()
        try double.addStateDict(to: &back)
        let float = try model(Float.self, seed: 11)
        try float.load(from: try Safetensors(bytes: try back.serialized()))
        for (a, b) in zip(source.parameters, float.parameters) { #expect(a.value.scalars == b.value.scalars) }
    }
}
