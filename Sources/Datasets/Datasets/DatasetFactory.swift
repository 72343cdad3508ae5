// Maps the tool's `--data` name, `--data_path` and a split to a dataset, with messages that
// say which files were expected where when a dataset is missing.

import Foundation

/// Builds the dataset that the tool's `--data` and `--data_path` flags name.
///
/// | name | reads (under the data path) |
/// |---|---|
/// | mnist32 | `mnist/` or `mnist/MNIST/raw/`: `train-images-idx3-ubyte[.gz]`, `t10k-images-idx3-ubyte[.gz]` |
/// | cifar10 | `cifar10/cifar-10-batches-bin/data_batch_1...5.bin`, `test_batch.bin` |
/// | celeba32 | `celeba/` or `celeba/celeba/`: `img_align_celeba/*.jpg`, `list_eval_partition.txt` |
/// | chair600 | `chair600/`: any folder tree of PNG/JPEG images |
/// | msds1, msds2 | `msds1/` or `msds2/` as `rgflow generate-msds` writes them |
public enum DatasetFactory {
    /// The dataset names `--data` accepts.
    public static let names = ["celeba32", "mnist32", "cifar10", "chair600", "msds1", "msds2"]

    /// The dataset `name` for `split`, read from `dataPath`.
    ///
    /// Nothing is downloaded. For msds1/msds2 without a folder this throws
    /// ``DatasetError/msdsFolderNotFound(dataset:path:)``, on which the tool generates the
    /// images in memory instead.
    ///
    /// - Parameters:
    ///   - splitSeed: seeds the chair600 train/test split (use the same value for both splits).
    ///   - cachesImages: for celeba32 and chair600, keep each decoded, cropped and resized
    ///     image in memory (12 KiB each: 2.0 GB for CelebA's training split) so that only the
    ///     first epoch decodes JPEG/PNG files; the other datasets are in memory or cheap anyway.
    /// - Throws: ``DatasetError/unknownDataset(name:known:)``,
    ///   ``DatasetError/missingFiles(dataset:expected:instructions:)`` naming the expected
    ///   files and their official source, or an error for a corrupt file.
    public static func makeDataset(name: String, dataPath: String, split: DatasetSplit,
                                   splitSeed: UInt64 = 0, cachesImages: Bool = false) throws -> any ImageDataset {
        let root = URL(fileURLWithPath: dataPath, isDirectory: true)
        switch name {
        case "mnist32":
            return try MNIST32Dataset(dataPath: root, split: split)
        case "cifar10":
            return try CIFAR10Dataset(dataPath: root, split: split)
        case "celeba32":
            return try CelebA32Dataset(dataPath: root, split: split, cachesImages: cachesImages)
        case "chair600":
            return try Chair600Dataset(dataPath: root, split: split, splitSeed: splitSeed, cachesImages: cachesImages)
        case "msds1", "msds2":
            let folder = root.appendingPathComponent(name)
            guard MSDSFolderDataset.exists(root: folder, split: split) else {
                throw DatasetError.msdsFolderNotFound(dataset: name, path: folder.path)
            }
            return try MSDSFolderDataset(root: folder, split: split, name: name)
        default:
            throw DatasetError.unknownDataset(name: name, known: names)
        }
    }
}
