// `rgflow sample` and `rgflow mix-temperature`: images from a checkpoint's flow.

import Autograd
import Datasets
import Foundation
import RGFlow
import Tensor

enum SampleCommand {
    static let specifications = CheckpointFlags.specifications + [
        FlagSpecification(["count"], default: "64", "number of samples"),
        FlagSpecification(["temperature"], default: "1", "prior temperature T"),
        FlagSpecification(["output"], default: "samples.png", "PNG grid to write"),
        FlagSpecification(["tensors"], default: nil, "also write the samples [N, C, L, L] to this safetensors file"),
        FlagSpecification(["help", "h"], value: false, "show this help"),
    ]

    static func run(_ arguments: [String]) throws {
        let flags = try ParsedFlags(arguments, specifications: specifications)
        if flags.isSet("help") {
            print(helpText(command: "sample", summary: "Draws samples at temperature T from a checkpoint into a PNG grid.",
                           specifications: specifications))
            return
        }
        try SharedFlags.applyRunFlags(flags)
        let count = try flags.integer("count", minimum: 1, maximum: 4096)
        let temperature = try flags.real("temperature", in: 0...100)
        let (file, info) = try CheckpointFlags.open(try CheckpointFlags.locate(flags), checking: flags)
        let model = try CheckpointFlags.model(Float.self, from: file, info: info)
        var generator = TensorRandomGenerator(seed: try SharedFlags.seed(flags))
        let samples = model.samplePixels(count: count, temperature: Float(temperature), using: &generator)
        let output = URL(fileURLWithPath: flags.string("output")!)
        try writeGrid(samples, to: output)
        print("wrote \(count) samples at T = \(temperature) from \(file.file) to \(output.path)")
        if let path = flags.string("tensors") {
            var builder = SafetensorsBuilder(metadata: ["temperature": "\(temperature)", "checkpoint": file.file])
            try builder.add(samples, named: "samples")
            try builder.write(to: URL(fileURLWithPath: path))
            print("wrote the samples to \(path)")
        }
    }
}

enum MixTemperatureCommand {
    static let specifications = CheckpointFlags.specifications + [
        FlagSpecification(["t_low"], default: "0.2", "temperature of the fine latents"),
        FlagSpecification(["t_high"], default: "0.8", "temperature of the coarse latents (levels >= level_cutoff)"),
        FlagSpecification(["level_cutoff"], default: "1", "the lowest level drawn at t_high: z[:, :, ::k, ::k], k = 2^level_cutoff"),
        FlagSpecification(["output"], default: "mix_temperature.png", "PNG grid (4x4) to write"),
        FlagSpecification(["help", "h"], value: false, "show this help"),
    ]

    static let summary = """
        Mixed-temperature sampling (paper appendix B): latents at T_low everywhere, then the
        coarse latents z[:, :, ::k, ::k] (k = 2^level_cutoff) redrawn at T_high; 16 samples.
        """

    static func run(_ arguments: [String]) throws {
        let flags = try ParsedFlags(arguments, specifications: specifications)
        if flags.isSet("help") {
            print(helpText(command: "mix-temperature", summary: summary, specifications: specifications))
            return
        }
        try SharedFlags.applyRunFlags(flags)
        let low = Float(try flags.real("t_low", in: 0...100)), high = Float(try flags.real("t_high", in: 0...100))
        let cutoff = try flags.integer("level_cutoff", minimum: 0)
        let (file, info) = try CheckpointFlags.open(try CheckpointFlags.locate(flags), checking: flags)
        let model = try CheckpointFlags.model(Float.self, from: file, info: info)
        let top = info.configuration.latentLevels.topLevel
        guard cutoff <= top else {
            throw UsageError("--level_cutoff \(cutoff): this network's levels are 0...\(top)")
        }
        var generator = TensorRandomGenerator(seed: try SharedFlags.seed(flags))
        let z = model.mixedTemperatureLatents(count: 16, lowTemperature: low, highTemperature: high, levelCutoff: cutoff,
                                              using: &generator)
        let pixels = model.pixels(fromLatents: z)
        let output = URL(fileURLWithPath: flags.string("output")!)
        try writeGrid(pixels, to: output)
        print("wrote 16 mixed-temperature samples (T_low \(low), T_high \(high), levels >= \(cutoff)) to \(output.path)")
    }
}
