// The dataset abstraction every image source implements: a count and images in [0, 1].

/// Which part of a dataset: the training or the test split.
public enum DatasetSplit: String, Sendable, CaseIterable {
    case train
    case test
}

/// A finite collection of equally sized images with pixel values in [0, 1].
///
/// Images are returned as `channels * sideLength * sideLength` values in `[C, L, L]`
/// row-major order. Random augmentation (flips) draws from a generator seeded by the
/// caller per image, so a background loader produces the same batch whatever thread
/// decodes it.
public protocol ImageDataset: Sendable {
    /// The number of images.
    var count: Int { get }
    /// Channels per image: 1 (gray) or 3 (RGB).
    var channels: Int { get }
    /// The side L of the square images.
    var sideLength: Int { get }
    /// The image at `index` (0 ..< count) as `[C, L, L]` values in [0, 1].
    ///
    /// - Parameter augmentationSeed: seeds any random transform of this image.
    /// - Throws: a ``DatasetError`` naming the file and what was wrong when the image's
    ///   source cannot be read or decoded.
    func image(at index: Int, augmentationSeed: UInt64) throws -> [Float]
}
