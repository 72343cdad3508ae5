// `rgflow generate-msds`: writes msds1 or msds2 as PNG folders with a labels file.

import Datasets
import Foundation
import Tensor

enum GenerateMSDSCommand {
    static let specifications = [
        FlagSpecification(["data"], default: "msds1", "msds1 or msds2"),
        FlagSpecification(["data_path"], default: "./data", "the folder {data_path}/{data} is written"),
        FlagSpecification(["train_count"], default: "90000", "training images"),
        FlagSpecification(["test_count"], default: "10000", "test images"),
        FlagSpecification(["seed"], default: "0", "seeds the images"),
        FlagSpecification(["threads"], default: "\(Parallelism.defaultThreadCount)", "threads writing files"),
        FlagSpecification(["help", "h"], value: false, "show this help"),
    ]

    static func run(_ arguments: [String]) throws {
        let flags = try ParsedFlags(arguments, specifications: specifications)
        if flags.isSet("help") {
            print(helpText(command: "generate-msds", summary: "Writes {train,test}/0/NNNNN.png and {train,test}/labels.csv (image,ellipse,x,y,angle,r,g,b).",
                           specifications: specifications))
            return
        }
        let variant = MSDSVariant(rawValue: try flags.choice("data", ["msds1", "msds2"]))!
        guard let seed = UInt64(flags.string("seed")!) else { throw UsageError("--seed is not a non-negative integer") }
        let root = URL(fileURLWithPath: flags.string("data_path")!, isDirectory: true).appendingPathComponent(variant.rawValue)
        let generator = MSDSGenerator(variant: variant, seed: seed)
        let train = try flags.integer("train_count", minimum: 0, maximum: 10_000_000)
        let test = try flags.integer("test_count", minimum: 0, maximum: 10_000_000)
        try generator.writeFolder(at: root, trainCount: train, testCount: test,
                                  threadCount: try flags.integer("threads", minimum: 1, maximum: 1024))
        print("wrote \(train) training and \(test) test images of \(variant.rawValue) to \(root.path)")
    }
}
