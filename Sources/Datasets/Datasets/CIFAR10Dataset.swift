// cifar10: CIFAR-10's binary batches, 32x32 RGB images served as they are.

import Foundation

/// CIFAR-10 as 3 x 32 x 32 images in [0, 1], from the binary version of the dataset.
///
/// Train: `data_batch_1.bin` ... `data_batch_5.bin` (50000 images); test: `test_batch.bin`
/// (10000), in `cifar10/cifar-10-batches-bin/` under the data path.
public struct CIFAR10Dataset: ImageDataset {
    /// All images of the split, 3072 bytes each (`[3, 32, 32]`).
    private let pixels: [UInt8]
    /// The number of images.
    public let count: Int
    /// 3: RGB.
    public var channels: Int { 3 }
    /// 32.
    public var sideLength: Int { 32 }

    /// The batch files of a split, in the order their images are numbered.
    public static func batchFileNames(for split: DatasetSplit) -> [String] {
        split == .train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
    }

    /// The folder under the data path that holds the batches.
    public static let folder = "cifar10/cifar-10-batches-bin"

    /// Loads every batch of `split` from `dataPath/cifar10/cifar-10-batches-bin/`.
    ///
    /// - Throws: ``DatasetError/missingFiles(dataset:expected:instructions:)`` naming the
    ///   missing batch files, or a decoding error for a corrupt one.
    public init(dataPath: URL, split: DatasetSplit) throws {
        let directory = dataPath.appendingPathComponent(Self.folder)
        let files = Self.batchFileNames(for: split).map { directory.appendingPathComponent($0) }
        let missing = files.filter { !DatasetFiles.isFile($0) }
        guard missing.isEmpty else {
            throw DatasetError.missingFiles(
                dataset: "cifar10", expected: missing.map(\.path),
                instructions: "Download cifar-10-binary.tar.gz (the binary version; the python version that "
                    + "torchvision downloads is not read) from https://www.cs.toronto.edu/~kriz/cifar.html and "
                    + "extract it in \(dataPath.appendingPathComponent("cifar10").path)/.")
        }
        try self.init(batchFiles: files)
    }

    /// Loads and concatenates the given batch files.
    public init(batchFiles: [URL]) throws {
        var pixels: [UInt8] = []
        for file in batchFiles {
            let batch = try CIFARReader.decode(DatasetFiles.read(file), source: file.path)
            pixels.append(contentsOf: batch.pixels)
        }
        self.pixels = pixels
        self.count = pixels.count / 3072
    }

    /// The image at `index`; CIFAR-10 has no random augmentation here.
    public func image(at index: Int, augmentationSeed: UInt64) throws -> [Float] {
        guard index >= 0 && index < count else { throw DatasetError.indexOutOfRange(index: index, count: count) }
        return pixels[(index * 3072)..<((index + 1) * 3072)].map { Float($0) / 255 }
    }
}
