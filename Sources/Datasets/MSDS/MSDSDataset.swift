// MSDS1 and MSDS2 as an ImageDataset: the built-in training data, generated per index on
// demand so a split never exists in memory as a whole.

/// The MSDS1 or MSDS2 images of one split, generated on demand.
///
/// Image `i` is a pure function of (variant, seed, split, i): asking for it twice, in any
/// order or from any thread, gives the same pixels. The standard splits have 90 000 training
/// and 10 000 test images; `count` can ask for fewer (the first `count` images of the split)
/// or more (the same sequence continued).
public struct MSDSDataset: ImageDataset {
    /// The number of images of each standard split: 90 000 train, 10 000 test.
    public static func standardCount(of split: DatasetSplit) -> Int {
        switch split {
        case .train: 90_000
        case .test: 10_000
        }
    }

    /// The generator images come from (variant and seed).
    public let generator: MSDSGenerator
    /// The split the images belong to.
    public let split: DatasetSplit
    /// The number of images.
    public let count: Int

    /// The MSDS images of `split`.
    ///
    /// - Parameters:
    ///   - variant: msds1 or msds2.
    ///   - split: the training or the test split (different images).
    ///   - seed: the seed every image's stream derives from.
    ///   - count: how many images; by default the standard split size
    ///     (``standardCount(of:)``).
    public init(variant: MSDSVariant, split: DatasetSplit, seed: UInt64 = 0, count: Int? = nil) {
        let resolved = count ?? MSDSDataset.standardCount(of: split)
        precondition(resolved >= 0, "an MSDS dataset cannot have a negative count, got \(resolved)")
        self.generator = MSDSGenerator(variant: variant, seed: seed)
        self.split = split
        self.count = resolved
    }

    /// Always 3 (RGB).
    public var channels: Int { 3 }

    /// Always 32.
    public var sideLength: Int { MSDSGenerator.sideLength }

    /// Image `index` as `[3, 32, 32]` values `byte / 255`, exactly the samples of the PNG
    /// files ``MSDSGenerator/writeFolder(at:trainCount:testCount:threadCount:progress:)``
    /// writes.
    ///
    /// MSDS has no augmentation, so `augmentationSeed` is ignored. Never throws: the images
    /// come from no file.
    public func image(at index: Int, augmentationSeed: UInt64) throws -> [Float] {
        renderedImage(at: index).planarValues
    }

    /// The 16 ellipse labels of image `index`, in grid reading order (`4 * row + column`).
    public func labels(at index: Int) -> [MSDSEllipse] {
        checkIndex(index)
        return generator.ellipses(split: split, index: index)
    }

    /// Image `index` as bytes, with its labels.
    public func renderedImage(at index: Int) -> MSDSImage {
        checkIndex(index)
        return generator.image(split: split, index: index)
    }

    private func checkIndex(_ index: Int) {
        precondition(index >= 0 && index < count, "MSDS image index \(index) is outside 0..<\(count)")
    }
}
