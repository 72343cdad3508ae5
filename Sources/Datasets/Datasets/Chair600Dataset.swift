// chair600: a folder tree of rendered chair images (600x600), centre crop 300, area resize
// to 32, random flip, split 90/10 by a seeded permutation (77730 / 8636 of 86366).

import Foundation
import Tensor

/// Rendered chairs as 3 x 32 x 32 images in [0, 1], from any folder tree of PNG/JPEG files.
///
/// The files under `chair600/` (sorted by relative path, so the order does not depend on
/// the file system) are split by a permutation drawn from a ``TensorRandomGenerator``
/// seeded with `splitSeed`: the first `count - count / 10` go to training, the last
/// `count / 10` to test (77730 and 8636 for the 86366 images of the full set).
public struct Chair600Dataset: ImageDataset {
    /// The image files of the split.
    public let files: [URL]
    /// Whether images are flipped at random (seeded per image).
    public let randomFlip: Bool
    /// Decoded, cropped and resized images kept in memory (before the flip), when enabled.
    private let cache: TransformedImageCache?
    /// Whether images are kept in memory after their first decoding (0.95 GB for the training split).
    public var cachesImages: Bool { cache != nil }
    /// The number of images.
    public var count: Int { files.count }
    /// 3: RGB.
    public var channels: Int { 3 }
    /// 32.
    public var sideLength: Int { 32 }

    /// The folder under the data path.
    public static let folder = "chair600"

    /// Lists the images under `dataPath/chair600` and keeps those of `split`.
    ///
    /// - Parameters:
    ///   - splitSeed: seeds the train/test permutation; train and test must use the same.
    ///   - randomFlip: flip images at random; defaults to on for training only.
    ///   - cachesImages: keep each image in memory after its first decoding (before the
    ///     flip), so later epochs do not decode again; costs 12 KiB per image.
    public init(dataPath: URL, split: DatasetSplit, splitSeed: UInt64 = 0, randomFlip: Bool? = nil,
                cachesImages: Bool = false) throws {
        let root = dataPath.appendingPathComponent(Self.folder)
        let instructions = "Download rendered_chairs.tar (Aubry et al., \"Seeing 3D chairs\", CVPR 2014) from "
            + "https://www.di.ens.fr/willow/research/seeing3Dchairs/ and extract it into \(root.path)/ "
            + "(any folder tree of .png/.jpg images is read)."
        guard DatasetFiles.isDirectory(root) else {
            throw DatasetError.missingFiles(dataset: "chair600", expected: [root.path + "/**/*.png"], instructions: instructions)
        }
        let relative = try DatasetFiles.imageFiles(under: root)
        guard !relative.isEmpty else {
            throw DatasetError.missingFiles(dataset: "chair600", expected: [root.path + "/**/*.png"], instructions: instructions)
        }
        let indices = Self.splitIndices(count: relative.count, split: split, seed: splitSeed)
        files = indices.map { root.appendingPathComponent(relative[$0]) }
        self.randomFlip = randomFlip ?? (split == .train)
        self.cache = cachesImages ? TransformedImageCache(count: files.count) : nil
    }

    /// The indices (into the sorted file list) of `split`: a seeded permutation of
    /// `0 ..< count`, whose first `count - count / 10` entries are the training split and the
    /// rest the test split, each kept in ascending order.
    public static func splitIndices(count: Int, split: DatasetSplit, seed: UInt64) -> [Int] {
        var generator = TensorRandomGenerator(seed: seed)
        let order = BatchLoader.permutation(count: count, using: &generator)
        let trainCount = count - count / 10
        let part = split == .train ? order[..<trainCount] : order[trainCount...]
        return part.sorted()
    }

    /// Decodes, crops, resizes and (maybe) flips image `index`.
    public func image(at index: Int, augmentationSeed: UInt64) throws -> [Float] {
        guard index >= 0 && index < count else { throw DatasetError.indexOutOfRange(index: index, count: count) }
        let file = files[index]
        let make = {
            ImageTransforms.cropResizeFlip(try DatasetFiles.decodeImage(at: file), crop: 300, side: 32,
                                           outputChannels: 3, randomFlip: false, augmentationSeed: 0)
        }
        var image = try cache?.image(at: index, make: make) ?? make()
        if randomFlip && ImageTransforms.flipDecision(augmentationSeed: augmentationSeed) {
            ImageTransforms.flipHorizontally(&image, channels: 3, height: 32, width: 32)
        }
        return image
    }
}
