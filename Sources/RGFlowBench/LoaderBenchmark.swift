// rgflow-bench loader: images per second of the batching loader (decode + transforms, batch
// 64) on temporary celeba-like JPEG folders and MSDS-like PNG folders.

import Datasets
import Dispatch
import Foundation
import Tensor

/// Runs the loader suite.
///
/// Arguments: `--json` (one JSON object per line), `--quick` (fewer images), `--images N`
/// (images per folder), `--threads 1,2` (decoding threads to try). The folders are written
/// with python3 + Pillow when available (as the real datasets are ordinary JPEG/PNG files);
/// without Pillow the JPEG case is skipped and the PNGs come from a stored-block writer.
func runLoaderBenchmark(arguments: [String]) throws {
    let json = arguments.contains("--json")
    func value(after flag: String) -> String? {
        guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }
    let imageCount = value(after: "--images").flatMap(Int.init) ?? (arguments.contains("--quick") ? 256 : 1024)
    let threadCounts = (value(after: "--threads") ?? "1,2").split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
    let batchSize = 64

    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rgflow-bench-loader-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }

    if !json {
        print("rgflow-bench loader: build \(buildDescription), batch \(batchSize), \(imageCount) images per folder, "
              + "\(ProcessInfo.processInfo.activeProcessorCount) processors\n")
    }
    var datasets: [(name: String, dataset: any ImageDataset)] = []
    let pillow = LoaderBenchmarkFolders.writeWithPillow(root: root, count: imageCount)
    if pillow {
        datasets.append(("celeba32 (178x218 JPEG)", try DatasetFactory.makeDataset(
            name: "celeba32", dataPath: root.path, split: .train)))
        // Timed epochs follow a warm-up epoch, so this row is the steady state of later epochs.
        datasets.append(("celeba32 cached, after epoch 1", try DatasetFactory.makeDataset(
            name: "celeba32", dataPath: root.path, split: .train, cachesImages: true)))
    } else {
        LoaderBenchmarkFolders.note("python3 with Pillow not found: skipping the celeba-like JPEG folder", json: json)
        try LoaderBenchmarkFolders.writeStoredPNGs(root: root.appendingPathComponent("msds1"), count: imageCount)
    }
    datasets.append(("msds1 (32x32 PNG)", try DatasetFactory.makeDataset(name: "msds1", dataPath: root.path, split: .train)))

    var printer = ReportPrinter(json: json)
    for (name, dataset) in datasets {
        for threads in threadCounts {
            let loader = try BatchLoader(dataset: dataset, batchSize: batchSize, seed: 1, dropLast: true, prefetch: 3,
                                         decodingThreads: threads)
            // Warm-up epoch (file cache, allocator), then the median of three timed epochs.
            var times: [Double] = []
            for epoch in 0..<4 {
                let start = DispatchTime.now().uptimeNanoseconds
                let batches = loader.batches(epoch: epoch)
                while let batch = try batches.next() { blackHole(batch) }
                if epoch > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
            }
            let seconds = times.sorted()[times.count / 2]
            let images = Double(loader.batchCount * batchSize)
            printer.add(BenchmarkRow(fields: [
                ("suite", "loader"), ("name", name), ("threads", threads), ("batch_size", batchSize),
                ("images_per_second", images / seconds), ("ms_per_batch", seconds * 1000 / Double(loader.batchCount)),
            ]))
        }
    }
    printer.printTable(columns: ["name", "threads", "images_per_second", "ms_per_batch"])
}

/// Writes the temporary image folders the loader benchmark reads.
enum LoaderBenchmarkFolders {
    static func note(_ message: String, json: Bool) {
        if json {
            print("{\"suite\": \"loader\", \"note\": \"\(message)\"}")
        } else {
            print("note: \(message)")
        }
    }

    /// Writes `celeba/` (178x218 JPEGs, quality 95 like CelebA, plus a partition file) and
    /// `msds1/train/0/*.png` (32x32 RGB) with python3 + Pillow; false when that is unavailable.
    static func writeWithPillow(root: URL, count: Int) -> Bool {
        let program = """
            import os, sys
            import numpy as np
            from PIL import Image
            root, count = sys.argv[1], int(sys.argv[2])
            rng = np.random.default_rng(0)
            faces = os.path.join(root, "celeba", "img_align_celeba")
            os.makedirs(faces)
            y, x = np.mgrid[0:218, 0:178]
            with open(os.path.join(root, "celeba", "list_eval_partition.txt"), "w") as partition:
                for index in range(count):
                    phase = rng.uniform(0, 6.3, size=3)
                    image = np.stack([128 + 80 * np.sin(x / (9 + 4 * c) + phase[c]) * np.cos(y / (13 + c)) for c in range(3)], -1)
                    image += rng.normal(0, 10, size=image.shape)
                    name = "%06d.jpg" % (index + 1)
                    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(os.path.join(faces, name), quality=95)
                    partition.write(name + " 0\\n")
            pngs = os.path.join(root, "msds1", "train", "0")
            os.makedirs(pngs)
            for index in range(count):
                image = np.zeros((32, 32, 3), np.uint8)
                for i in range(4):
                    for j in range(4):
                        image[8 * i + 2:8 * i + 6, 8 * j + 1:8 * j + 7] = rng.integers(0, 256, size=3)
                Image.fromarray(image).save(os.path.join(pngs, "%05d.png" % index))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", program, root.path, String(count)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            return false
        }
        return process.terminationStatus == 0
    }

    /// Writes `count` 32x32 RGB PNGs (stored DEFLATE blocks, no compression) in the MSDS layout.
    static func writeStoredPNGs(root: URL, count: Int) throws {
        let folder = root.appendingPathComponent("train/0")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var generator = TensorRandomGenerator(seed: 0)
        for index in 0..<count {
            var scanlines: [UInt8] = []
            for _ in 0..<32 {
                scanlines.append(0)
                for _ in 0..<(32 * 3) { scanlines.append(UInt8(truncatingIfNeeded: generator.next())) }
            }
            try Data(storedPNG(width: 32, height: 32, scanlines: scanlines))
                .write(to: folder.appendingPathComponent(MSDSFolderDataset.fileName(index)))
        }
    }

    /// An 8-bit RGB PNG whose zlib stream is one stored block (scanlines under 64 KiB).
    static func storedPNG(width: Int, height: Int, scanlines: [UInt8]) -> [UInt8] {
        func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(CRC32.checksum(body))
        }
        let length = scanlines.count
        var zlib: [UInt8] = [0x78, 0x01, 1, UInt8(length & 0xFF), UInt8(length >> 8),
                             UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
        zlib += scanlines + bigEndian(Adler32.checksum(scanlines))
        let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0]
        return PNGDecoder.signature + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", [])
    }
}
