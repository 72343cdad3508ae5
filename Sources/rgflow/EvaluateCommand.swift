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
        let loader = try BatchLoader(dataset: dataset, batchSize: try flags.integer("batch_size", minimum: 1),
                                     seed: try SharedFlags.seed(flags), shuffle: false)
        try withScalarType(file.metadata["dtype"] ?? "float32", Run(file: file, info: info, loader: loader, name: data))
    }

    struct Run: ScalarTypeBody {
        let file: Safetensors
        let info: CheckpointInfo
        let loader: BatchLoader
        let name: String

        func run<Scalar: TensorScalar>(_: Scalar.Type) throws {
            let model = try CheckpointFlags.model(Scalar.self, from: file, info: info)
            var total = 0.0, images = 0, batch = 0
            let batches = loader.batches(epoch: 1)
            while let pixels = try batches.next() {
                var noise = TensorRandomGenerator(seed: loader.seed &+ UInt64(batch))
                let loss = GradientMode.withoutGradients {
                    model.loss(pixels: pixels.converted(to: Scalar.self), dequantizingWith: &noise)
                }
                total += loss.perSample.value.scalars.map(Double.init).reduce(0, +)
                images += pixels.shape[0]
                batch += 1
            }
            let bitsPerDimension = (total / Double(max(images, 1)) + Foundation.log(256)) / Foundation.log(2)
            print(String(format: "%@ test: %d images, bits/dim %.6f (checkpoint epoch %d)", name, images, bitsPerDimension, info.epoch))
        }
    }
}
