// msds1/msds2 from disk: the 32x32 RGB PNGs that `rgflow generate-msds` writes, numbered
// contiguously from 00000.png in {root}/{train,test}/0/.

import Foundation

/// The multi-scale synthetic datasets (msds1, msds2) read from a folder written by
/// `rgflow generate-msds`: `{root}/{split}/0/{index:05d}.png`, 32 x 32 RGB, and a
/// `labels.csv` that this reader does not need.
public struct MSDSFolderDataset: ImageDataset {
    /// The folder holding the split's PNG files.
    public let directory: URL
    /// The number of images: PNG files numbered 00000 ... count - 1 without gaps.
    public let count: Int
    /// 3: RGB.
    public var channels: Int { 3 }
    /// 32.
    public var sideLength: Int { 32 }

    /// Whether `root` holds a split written by `rgflow generate-msds` (its first image exists).
    public static func exists(root: URL, split: DatasetSplit) -> Bool {
        DatasetFiles.isFile(root.appendingPathComponent("\(split.rawValue)/0/00000.png"))
    }

    /// Counts the PNG files of `split` under `root` and checks that they are numbered without gaps.
    ///
    /// - Parameter name: the dataset name (msds1 or msds2) used in messages.
    /// - Throws: ``DatasetError/msdsFolderNotFound(dataset:path:)`` when the split's folder
    ///   is missing, or ``DatasetError/inconsistent(path:reason:)`` for a gap in the numbering.
    public init(root: URL, split: DatasetSplit, name: String = "msds") throws {
        let directory = root.appendingPathComponent("\(split.rawValue)/0")
        guard DatasetFiles.isDirectory(directory) else {
            throw DatasetError.msdsFolderNotFound(dataset: name, path: directory.path)
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw DatasetError.unreadable(file: directory.path, reason: error.localizedDescription)
        }
        var indices: [Int] = []
        for file in names where file.hasSuffix(".png") {
            let stem = file.dropLast(4)
            guard let index = Int(stem), stem.allSatisfy(\.isASCII), Self.fileName(index) == file else {
                throw DatasetError.inconsistent(path: directory.appendingPathComponent(file).path,
                                                reason: "MSDS images are named 00000.png, 00001.png, ...")
            }
            indices.append(index)
        }
        indices.sort()
        guard !indices.isEmpty else { throw DatasetError.msdsFolderNotFound(dataset: name, path: directory.path) }
        if let gap = indices.enumerated().first(where: { $0.offset != $0.element }) {
            throw DatasetError.inconsistent(path: directory.path,
                                            reason: "\(Self.fileName(gap.offset)) is missing (the images must be "
                                                + "numbered from 00000 without gaps; \(indices.count) files found)")
        }
        self.directory = directory
        self.count = indices.count
    }

    /// The file name of image `index`: five digits at least, e.g. 00042.png.
    public static func fileName(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".png"
    }

    /// Decodes image `index`, which must be 32 x 32; MSDS has no random augmentation.
    public func image(at index: Int, augmentationSeed: UInt64) throws -> [Float] {
        guard index >= 0 && index < count else { throw DatasetError.indexOutOfRange(index: index, count: count) }
        let file = directory.appendingPathComponent(Self.fileName(index))
        let decoded = try PNGDecoder().decode(DatasetFiles.read(file), source: file.path)
        guard decoded.width == 32, decoded.height == 32 else {
            throw DatasetError.inconsistent(path: file.path, reason: "image is \(decoded.width)x\(decoded.height), "
                                                + "MSDS images are 32x32")
        }
        return decoded.planes(outputChannels: 3)
    }
}
