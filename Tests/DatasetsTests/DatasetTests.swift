// The datasets read from folders laid out as the official downloads (built in a temporary
// folder from the fixtures), their transforms, the chair600 split and the factory's messages.

import Datasets
import Foundation
import Testing

@Suite("Datasets and factory")
struct DatasetTests {
    /// A temporary data path laid out like `--data_path`, removed afterwards.
    final class DataPath {
        let url: URL
        init() throws { url = try makeTemporaryFolder() }
        deinit { try? FileManager.default.removeItem(at: url) }
        var path: String { url.path }
        func copy(_ fixture: String, to relative: String) throws {
            try copyFixture(fixture, to: url.appendingPathComponent(relative))
        }
    }

    private func expectImagesEqual(_ actual: [Float], _ expected: ArraySlice<Float>, tolerance: Float,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= tolerance, "max difference \(worst)", sourceLocation: sourceLocation)
    }

    @Test("mnist32: official .gz names and torchvision's raw folder; 28x28 padded to 32x32",
          arguments: ["mnist/train-images-idx3-ubyte.gz", "mnist/MNIST/raw/train-images-idx3-ubyte"])
    func mnist(_ layout: String) throws {
        let data = try DataPath()
        try data.copy(layout.hasSuffix(".gz") ? "idx/images-idx3-ubyte.gz" : "idx/images-idx3-ubyte", to: layout)
        let dataset = try DatasetFactory.makeDataset(name: "mnist32", dataPath: data.path, split: .train)
        #expect(dataset.count == 4 && dataset.channels == 1 && dataset.sideLength == 32)
        let expected = try fixtureFloats("idx/images-padded32.f32")
        for index in 0..<4 {
            #expect(try dataset.image(at: index, augmentationSeed: 9) == Array(expected[(index * 1024)..<((index + 1) * 1024)]))
        }
        expectDatasetError { _ = try dataset.image(at: 4, augmentationSeed: 0) }
    }

    @Test("cifar10: all five training batches, in order")
    func cifar() throws {
        let data = try DataPath()
        for batch in 1...5 {
            try data.copy("cifar/data_batch_1.bin", to: "cifar10/cifar-10-batches-bin/data_batch_\(batch).bin")
        }
        let dataset = try DatasetFactory.makeDataset(name: "cifar10", dataPath: data.path, split: .train)
        #expect(dataset.count == 15 && dataset.channels == 3 && dataset.sideLength == 32)
        let expected = try fixtureFloats("cifar/images.f32")
        #expect(try dataset.image(at: 13, augmentationSeed: 0) == Array(expected[3072..<6144]))
    }

    @Test("celeba32: partition file selects the split; crop 148, resize 32; flips only when seeded to",
          arguments: ["celeba", "celeba/celeba"])
    func celeba(_ folder: String) throws {
        let data = try DataPath()
        for name in ["000001.jpg", "000002.jpg", "000003.jpg", "000004.jpg"] {
            try data.copy("celeba/img_align_celeba/\(name)", to: "\(folder)/img_align_celeba/\(name)")
        }
        try data.copy("celeba/list_eval_partition.txt", to: "\(folder)/list_eval_partition.txt")
        let train = try DatasetFactory.makeDataset(name: "celeba32", dataPath: data.path, split: .train)
        let test = try DatasetFactory.makeDataset(name: "celeba32", dataPath: data.path, split: .test)
        #expect(train.count == 2 && test.count == 1 && train.channels == 3 && train.sideLength == 32)
        let expected = try fixtureFloats("celeba/expected_crop148_resize32.f32")
        // JPEG decoding may differ from Pillow's by JPEGTolerance levels; area averaging cannot increase that.
        let tolerance = Float(JPEGTolerance.maximumDifference) / 255 + 1e-5
        expectImagesEqual(try test.image(at: 0, augmentationSeed: 1), expected[(3 * 3072)..<(4 * 3072)], tolerance: tolerance)
        let unflippedSeed = try #require((0..<100).map(UInt64.init).first { !ImageTransforms.flipDecision(augmentationSeed: $0) })
        let flippedSeed = try #require((0..<100).map(UInt64.init).first { ImageTransforms.flipDecision(augmentationSeed: $0) })
        let image = try train.image(at: 1, augmentationSeed: unflippedSeed)
        expectImagesEqual(image, expected[3072..<6144], tolerance: tolerance)
        var flipped = try train.image(at: 1, augmentationSeed: flippedSeed)
        ImageTransforms.flipHorizontally(&flipped, channels: 3, height: 32, width: 32)
        #expect(flipped == image)
    }

    @Test("celeba32 with the image cache: same images, flips still seeded, files read only once")
    func celebaCache() throws {
        let data = try DataPath()
        for name in ["000001.jpg", "000002.jpg", "000003.jpg", "000004.jpg"] {
            try data.copy("celeba/img_align_celeba/\(name)", to: "celeba/img_align_celeba/\(name)")
        }
        try data.copy("celeba/list_eval_partition.txt", to: "celeba/list_eval_partition.txt")
        let plain = try CelebA32Dataset(dataPath: data.url, split: .train)
        let cached = try CelebA32Dataset(dataPath: data.url, split: .train, cachesImages: true)
        #expect(cached.cachesImages && !plain.cachesImages)
        let seeds: [UInt64] = [0, 1, 2, 3, 4, 5]
        let first = try seeds.map { try cached.image(at: 1, augmentationSeed: $0) }
        #expect(try seeds.map { try plain.image(at: 1, augmentationSeed: $0) } == first)
        // With the file gone, only the cache can still produce the image (and its flips).
        try FileManager.default.removeItem(at: cached.files[1])
        #expect(try seeds.map { try cached.image(at: 1, augmentationSeed: $0) } == first)
        expectDatasetError { _ = try plain.image(at: 1, augmentationSeed: 0) }
    }

    @Test("celeba32: a malformed partition line is reported with its line number")
    func celebaBadPartition() throws {
        let data = try DataPath()
        try data.copy("celeba/img_align_celeba/000001.jpg", to: "celeba/img_align_celeba/000001.jpg")
        try FileManager.default.createDirectory(at: data.url.appendingPathComponent("celeba"), withIntermediateDirectories: true)
        try "000001.jpg 0\n000002.jpg seven\n".write(to: data.url.appendingPathComponent("celeba/list_eval_partition.txt"),
                                                     atomically: true, encoding: .utf8)
        let error = expectDatasetError { _ = try DatasetFactory.makeDataset(name: "celeba32", dataPath: data.path, split: .train) }
        expectMalformed(error, file: data.url.appendingPathComponent("celeba/list_eval_partition.txt").path,
                        mentioning: ["line 2"])
    }

    @Test("celeba32: a corrupt image surfaces as an error naming the file")
    func celebaCorruptImage() throws {
        let data = try DataPath()
        try data.copy("celeba/list_eval_partition.txt", to: "celeba/list_eval_partition.txt")
        let bytes = try fixtureBytes("celeba/img_align_celeba/000004.jpg")
        let target = data.url.appendingPathComponent("celeba/img_align_celeba/000004.jpg")
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes.prefix(bytes.count / 2)).write(to: target)
        let test = try DatasetFactory.makeDataset(name: "celeba32", dataPath: data.path, split: .test)
        let error = expectDatasetError { _ = try test.image(at: 0, augmentationSeed: 0) }
        expectMalformed(error, file: target.path)
    }

    @Test("chair600: any folder tree; crop 300, resize 32; 90/10 split")
    func chair() throws {
        let data = try DataPath()
        for index in 0..<12 {
            try data.copy("chair/chair.jpg", to: "chair600/\(index % 3 == 0 ? "a" : "b/c")/chair_\(index).jpg")
        }
        let train = try DatasetFactory.makeDataset(name: "chair600", dataPath: data.path, split: .train, splitSeed: 4)
        let test = try DatasetFactory.makeDataset(name: "chair600", dataPath: data.path, split: .test, splitSeed: 4)
        #expect(train.count == 11 && test.count == 1)
        let expected = try fixtureFloats("chair/chair_crop300_resize32.f32")
        expectImagesEqual(try test.image(at: 0, augmentationSeed: 0), expected[...],
                          tolerance: Float(JPEGTolerance.maximumDifference) / 255 + 1e-5)
    }

    @Test("chair600 split: 77730 / 8636 of 86366, disjoint, covering, seeded")
    func chairSplit() {
        let train = Chair600Dataset.splitIndices(count: 86366, split: .train, seed: 0)
        let test = Chair600Dataset.splitIndices(count: 86366, split: .test, seed: 0)
        #expect(train.count == 77730 && test.count == 8636)
        #expect(Set(train).isDisjoint(with: test))
        #expect(Set(train + test) == Set(0..<86366))
        #expect(Chair600Dataset.splitIndices(count: 86366, split: .test, seed: 0) == test)
        #expect(Chair600Dataset.splitIndices(count: 86366, split: .test, seed: 1) != test)
        #expect(test.max()! > 80000 && test.min()! < 1000)  // drawn from the whole range
    }

    @Test("msds folder: contiguous PNGs, split folders, gaps and wrong sizes reported")
    func msdsFolder() throws {
        let data = try DataPath()
        for split in ["train", "test"] {
            for index in 0..<(split == "train" ? 3 : 2) {
                let name = MSDSFolderDataset.fileName(index)
                try data.copy("msds/\(split)/0/\(name)", to: "msds2/\(split)/0/\(name)")
            }
            try data.copy("msds/\(split)/labels.csv", to: "msds2/\(split)/labels.csv")
        }
        for split in DatasetSplit.allCases {
            let dataset = try DatasetFactory.makeDataset(name: "msds2", dataPath: data.path, split: split)
            let expected = try fixtureFloats("msds/\(split.rawValue)_expected.f32")
            #expect(dataset.count == expected.count / 3072 && dataset.channels == 3 && dataset.sideLength == 32)
            for index in 0..<dataset.count {
                #expect(try dataset.image(at: index, augmentationSeed: 0) == Array(expected[(index * 3072)..<((index + 1) * 3072)]))
            }
        }
        try FileManager.default.removeItem(at: data.url.appendingPathComponent("msds2/train/0/00001.png"))
        let gap = expectDatasetError { _ = try DatasetFactory.makeDataset(name: "msds2", dataPath: data.path, split: .train) }
        guard case let .inconsistent(_, reason)? = gap else {
            Issue.record("a gap should be reported as inconsistent, got \(String(describing: gap))")
            return
        }
        #expect(reason.contains("00001.png is missing"))
        try data.copy("png/pillow_rgb8.png", to: "msds2/train/0/00001.png")  // 31x23
        let dataset = try DatasetFactory.makeDataset(name: "msds2", dataPath: data.path, split: .train)
        let size = expectDatasetError { _ = try dataset.image(at: 1, augmentationSeed: 0) }
        guard case let .inconsistent(_, sizeReason)? = size else {
            Issue.record("a wrong image size should be reported, got \(String(describing: size))")
            return
        }
        #expect(sizeReason.contains("31x23"))
    }

    @Test("msds1/msds2 without a folder: msdsFolderNotFound, for the tool to generate in memory")
    func msdsMissing() throws {
        let data = try DataPath()
        let error = expectDatasetError { _ = try DatasetFactory.makeDataset(name: "msds1", dataPath: data.path, split: .test) }
        #expect(error == .msdsFolderNotFound(dataset: "msds1", path: data.url.appendingPathComponent("msds1").path))
    }

    @Test("missing datasets say which files were expected where and where to get them",
          arguments: [("mnist32", "t10k-images-idx3-ubyte", "yann.lecun.com"),
                      ("cifar10", "test_batch.bin", "cs.toronto.edu"),
                      ("celeba32", "list_eval_partition.txt", "mmlab.ie.cuhk.edu.hk"),
                      ("chair600", "chair600", "seeing3Dchairs")])
    func missingFiles(_ name: String, _ file: String, _ source: String) throws {
        let data = try DataPath()
        let error = expectDatasetError { _ = try DatasetFactory.makeDataset(name: name, dataPath: data.path, split: .test) }
        guard case let .missingFiles(dataset, expected, instructions)? = error else {
            Issue.record("expected .missingFiles, got \(String(describing: error))")
            return
        }
        #expect(dataset == name)
        #expect(expected.contains { $0.hasPrefix(data.path) && $0.contains(file) })
        #expect(instructions.contains(source))
        #expect(error!.description.contains(file) && error!.description.contains(source))
    }

    @Test("unknown dataset names list the known ones")
    func unknownName() {
        let error = expectDatasetError { _ = try DatasetFactory.makeDataset(name: "imagenet", dataPath: "/tmp", split: .train) }
        #expect(error == .unknownDataset(name: "imagenet", known: DatasetFactory.names))
        #expect(error!.description.contains("celeba32"))
    }
}
