// mnist32: the MNIST digits from their IDX files (raw or .gz), padded from 28x28 to 32x32
// with two black pixels on every side, one channel.

import Foundation

/// MNIST handwritten digits as 1 x 32 x 32 images in [0, 1] (28 x 28 padded by 2 zeros).
///
/// Reads `train-images-idx3-ubyte` (60000 images) or `t10k-images-idx3-ubyte` (10000), raw
/// or gzip-compressed, from `mnist/` or torchvision's `mnist/MNIST/raw/` under the data
/// path. Labels are not needed for density estimation and are not read.
public struct MNIST32Dataset: ImageDataset {
    /// The images of the split, `count * 28 * 28` bytes.
    private let pixels: [UInt8]
    /// The number of images.
    public let count: Int
    /// 1: gray.
    public var channels: Int { 1 }
    /// 32.
    public var sideLength: Int { 32 }
    /// The IDX file the images came from.
    public let file: URL

    /// The file names of a split's images, uncompressed name first.
    public static func imageFileNames(for split: DatasetSplit) -> [String] {
        let stem = split == .train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte"
        return [stem, stem + ".gz"]
    }

    /// The folders under the data path searched, in order.
    public static let folders = ["mnist", "mnist/MNIST/raw"]

    /// Loads the images of `split` from the MNIST folders under `dataPath`.
    ///
    /// - Throws: ``DatasetError/missingFiles(dataset:expected:instructions:)`` when no
    ///   images file exists, or the decoder's error when it is corrupt or not 28 x 28.
    public init(dataPath: URL, split: DatasetSplit) throws {
        let names = Self.imageFileNames(for: split)
        let candidates = Self.folders.flatMap { folder in names.map { folder + "/" + $0 } }
        guard let file = DatasetFiles.firstFile(in: dataPath, candidates) else {
            throw DatasetError.missingFiles(
                dataset: "mnist32", expected: candidates.map { dataPath.appendingPathComponent($0).path },
                instructions: "Download the four MNIST files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                    + "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) from http://yann.lecun.com/exdb/mnist/ "
                    + "into \(dataPath.appendingPathComponent("mnist").path)/ (gzip files are read as they are; "
                    + "torchvision's mnist/MNIST/raw/ layout also works).")
        }
        try self.init(imagesFile: file)
    }

    /// Loads the images of one IDX file (raw or gzip), which must hold `[count, 28, 28]` bytes.
    public init(imagesFile: URL) throws {
        let array = try IDXReader.decode(DatasetFiles.read(imagesFile), expectedRank: 3, source: imagesFile.path)
        guard array.dimensions[1] == 28, array.dimensions[2] == 28 else {
            throw DatasetError.inconsistent(path: imagesFile.path,
                                            reason: "MNIST images are 28x28, the file holds \(array.dimensions)")
        }
        self.pixels = array.bytes
        self.count = array.count
        self.file = imagesFile
    }

    /// The digit at `index`, padded to 32 x 32; MNIST has no random augmentation.
    public func image(at index: Int, augmentationSeed: UInt64) throws -> [Float] {
        guard index >= 0 && index < count else { throw DatasetError.indexOutOfRange(index: index, count: count) }
        var result = [Float](repeating: 0, count: 32 * 32)
        let start = index * 28 * 28
        for row in 0..<28 {
            for column in 0..<28 {
                result[(row + 2) * 32 + column + 2] = Float(pixels[start + row * 28 + column]) / 255
            }
        }
        return result
    }
}
