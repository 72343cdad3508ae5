// celeba32: CelebA's aligned face images (JPEG) with the official partition file; centre
// crop 148, area resize to 32, random horizontal flip on the training split.

import Foundation

/// CelebA faces as 3 x 32 x 32 images in [0, 1].
///
/// Reads `img_align_celeba/*.jpg` and `list_eval_partition.txt` from `celeba/` under the
/// data path, or from `celeba/celeba/` (torchvision's layout when its root is `celeba`).
/// The partition file marks each image 0 (train), 1 (validation) or 2 (test); the train
/// split is partition 0 (162770 images) and the test split partition 2 (19962), as
/// torchvision's `split="train"` and `split="test"`. Each image is decoded when asked for:
/// centre crop 148 x 148, area-averaged to 32 x 32 (see ``ImageTransforms/areaResize(_:channels:height:width:outputHeight:outputWidth:)``),
/// flipped left-right with probability 1/2 when `randomFlip` is on.
public struct CelebA32Dataset: ImageDataset {
    /// The image files of the split, in partition-file order.
    public let files: [URL]
    /// Whether images are flipped at random (seeded per image).
    public let randomFlip: Bool
    /// Decoded, cropped and resized images kept in memory (before the flip), when enabled.
    private let cache: TransformedImageCache?
    /// Whether images are kept in memory after their first decoding (2.0 GB for the training split).
    public var cachesImages: Bool { cache != nil }
    /// The number of images.
    public var count: Int { files.count }
    /// 3: RGB.
    public var channels: Int { 3 }
    /// 32.
    public var sideLength: Int { 32 }

    /// The folders under the data path searched, in order.
    public static let folders = ["celeba", "celeba/celeba"]

    /// Finds the CelebA files under `dataPath` and reads the partition of `split`.
    ///
    /// - Parameters:
    ///   - randomFlip: flip images at random; defaults to on for training only.
    ///   - cachesImages: keep each image in memory after its first decoding (before the
    ///     flip), so later epochs do not decode JPEGs again; costs 12 KiB per image.
    /// - Throws: ``DatasetError/missingFiles(dataset:expected:instructions:)`` when neither
    ///   layout has both the image folder and the partition file, or a malformed error for a
    ///   bad line of the partition file.
    public init(dataPath: URL, split: DatasetSplit, randomFlip: Bool? = nil, cachesImages: Bool = false) throws {
        let roots = Self.folders.map { dataPath.appendingPathComponent($0) }
        guard let root = roots.first(where: {
            DatasetFiles.isDirectory($0.appendingPathComponent("img_align_celeba"))
                && DatasetFiles.isFile($0.appendingPathComponent("list_eval_partition.txt"))
        }) else {
            throw DatasetError.missingFiles(
                dataset: "celeba32",
                expected: roots.flatMap { [$0.appendingPathComponent("img_align_celeba").path + "/*.jpg",
                                           $0.appendingPathComponent("list_eval_partition.txt").path] },
                instructions: "From the CelebA page https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html (Align&Cropped "
                    + "Images): extract img_align_celeba.zip into \(roots[0].path)/ and put Eval/list_eval_partition.txt "
                    + "beside it.")
        }
        try self.init(root: root, split: split, randomFlip: randomFlip ?? (split == .train), cachesImages: cachesImages)
    }

    /// Reads `root/list_eval_partition.txt` and serves the matching `root/img_align_celeba` files.
    public init(root: URL, split: DatasetSplit, randomFlip: Bool, cachesImages: Bool = false) throws {
        let partitionFile = root.appendingPathComponent("list_eval_partition.txt")
        let text = String(decoding: try DatasetFiles.read(partitionFile), as: UTF8.self)
        let wanted = split == .train ? "0" : "2"
        var files: [URL] = []
        let images = root.appendingPathComponent("img_align_celeba")
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == 2, ["0", "1", "2"].contains(fields[1]), !fields[0].contains("/") else {
                throw DatasetError.malformed(file: partitionFile.path, format: "CelebA partition list", offset: nil,
                                             reason: "line \(number + 1) is \"\(line)\", expected \"<image>.jpg <0|1|2>\"")
            }
            if fields[1] == wanted { files.append(images.appendingPathComponent(String(fields[0]))) }
        }
        guard !files.isEmpty else {
            throw DatasetError.inconsistent(path: partitionFile.path, reason: "no image is in partition \(wanted) (\(split))")
        }
        self.files = files
        self.randomFlip = randomFlip
        self.cache = cachesImages ? TransformedImageCache(count: files.count) : nil
    }

    /// Decodes, crops, resizes and (maybe) flips image `index`.
    public func image(at index: Int, augmentationSeed: UInt64) throws -> [Float] {
        guard index >= 0 && index < count else { throw DatasetError.indexOutOfRange(index: index, count: count) }
        let file = files[index]
        let make = {
            ImageTransforms.cropResizeFlip(try DatasetFiles.decodeImage(at: file), crop: 148, side: 32,
                                           outputChannels: 3, randomFlip: false, augmentationSeed: 0)
        }
        var image = try cache?.image(at: index, make: make) ?? make()
        if randomFlip && ImageTransforms.flipDecision(augmentationSeed: augmentationSeed) {
            ImageTransforms.flipHorizontally(&image, channels: 3, height: 32, width: 32)
        }
        return image
    }
}
