// `rgflow evaluate`: bits per dimension of a checkpoint on the test split.

import Autograd
import Datasets
import Foundation
import RGFlow
import Tensor

enum EvaluateCommand {
    static let specifications = CheckpointFlags.specifications + [
        FlagSpecification(["batch_size"], default: "64", "images per batch"),
        FlagSpecification(["test_size"], default: "0", "evaluate the first N test images; 0 for all"),
        FlagSpecification(["samples"], default: "0", "also draw N samples per temperature and print the MSDS sample score (msds data)"),
        FlagSpecification(["temperatures"], default: "1,0.5",
                          "temperatures of the scored samples; T0:T1:... gives each level its own, finest first"),
        FlagSpecification(["help", "h"], value: false, "show this help"),
    ]

    static let summary = """
        Bits per dimension of a checkpoint on the test split of --data: the training objective
        (dequantised with seeded uniform noise) averaged over every test image.
        """

    static func run(_ arguments: [String]) throws {
        let flags = try ParsedFlags(arguments, specifications: specifications)
        if flags.isSet("help") {
            print(helpText(command: "evaluate", summary: summary, specifications: specifications))
            return
        }
        try SharedFlags.applyRunFlags(flags)
        let (file, info) = try CheckpointFlags.open(try CheckpointFlags.locate(flags), checking: flags)
        let testSize = try flags.integer("test_size", minimum: 0)
        let data = flags.wasGiven("data") ? try flags.choice("data", DatasetFactory.names) : info.options.data
        let dataPath = flags.wasGiven("data_path") ? flags.string("data_path")! : info.options.dataPath
        let dataset = try SharedFlags.dataset(name: data, dataPath: dataPath, split: .test, seed: info.options.seed,
                                              limit: testSize == 0 ? nil : testSize)
        let batchSize = try flags.integer("batch_size", minimum: 1)
        guard batchSize <= dataset.count else {
            throw UsageError("--batch_size \(batchSize) exceeds the \(dataset.count) test images")
        }
        let loader = try BatchLoader(dataset: dataset, batchSize: batchSize,
                                     seed: try SharedFlags.seed(flags), shuffle: false)
        let samples = try flags.integer("samples", minimum: 0)
        var temperatures: [[Double]] = []
        for text in flags.string("temperatures")!.split(separator: ",") {
            var perLevel: [Double] = []
            for part in text.split(separator: ":", omittingEmptySubsequences: false) {
                guard let value = Double(part.trimmingCharacters(in: .whitespaces)), value > 0, value <= 100 else {
                    throw UsageError("--temperatures: '\(text)' is not a temperature in (0, 100] or T0:T1:... of them")
                }
                perLevel.append(value)
            }
            temperatures.append(perLevel)
        }
        if samples > 0 && MSDSVariant(rawValue: data) == nil {
            throw UsageError("--samples scores samples against MSDS's structure: --data \(data) is not msds1 or msds2")
        }
        guard samples <= 4096 else { throw UsageError("--samples \(samples): at most 4096") }
        try withScalarType(file.metadata["dtype"] ?? "float32",
                           Run(file: file, info: info, loader: loader, name: data, samples: samples, temperatures: temperatures,
                               seed: try SharedFlags.seed(flags)))
    }

    struct Run: ScalarTypeBody {
        let file: Safetensors
        let info: CheckpointInfo
        let loader: BatchLoader
        let name: String
        let samples: Int
        /// One temperature for every level, or one per level (finest first).
        let temperatures: [[Double]]
        let seed: UInt64

        func run<Scalar: TensorScalar>(_: Scalar.Type) throws {
            let model = try CheckpointFlags.model(Scalar.self, from: file, info: info)
            let levelCount = model.configuration.latentLevels.levelCount
            if samples > 0, let wrong = temperatures.first(where: { $0.count != 1 && $0.count != levelCount }) {
                throw UsageError("--temperatures: '\(wrong.map { RunHistory.key($0) }.joined(separator: ":"))' gives "
                                 + "\(wrong.count) levels a temperature, this network has \(levelCount) (finest first)")
            }
            let batches = loader.batches(epoch: 1)
            let (bitsPerDimension, images) = try model.bitsPerDimension(over: { try batches.next() }) {
                TensorRandomGenerator(seed: loader.seed &+ UInt64($0))
            }
            print(String(format: "%@ test: %d images, bits/dim %.6f (checkpoint epoch %d)", name, images, bitsPerDimension, info.epoch))
            if samples > 0, let variant = MSDSVariant(rawValue: name) {
                let score = MSDSSampleScore(variant: variant)
                for (index, levelTemperatures) in temperatures.enumerated() {
                    var generator = TensorRandomGenerator(seed: SplitMix64.combine(seed, UInt64(index)))
                    let pixels: Tensor<Scalar>
                    let label: String
                    if levelTemperatures.count == 1 {
                        pixels = model.samplePixels(count: samples, temperature: Scalar(levelTemperatures[0]), using: &generator)
                        label = RunHistory.key(levelTemperatures[0])
                    } else {
                        let z = model.levelTemperatureLatents(count: samples, temperatures: levelTemperatures.map { Scalar($0) },
                                                              using: &generator)
                        pixels = model.pixels(fromLatents: z)
                        label = levelTemperatures.map { RunHistory.key($0) }.joined(separator: ":") + " (level 0 first)"
                    }
                    let report = score.score(pixels.converted(to: Float.self))
                    print("samples at T = \(label): \(report)")
                    print("    \(report.medianMeasurements)")
                }
            }
            guard bitsPerDimension.isFinite else {
                throw EvaluationError(description: "the bits/dim of \(file.file) on \(name) is not finite (\(bitsPerDimension)): its weights are unusable")
            }
        }
    }
}

/// An evaluation whose result is not a number (the tool exits with status 1).
struct EvaluationError: Error, CustomStringConvertible {
    let description: String
}
