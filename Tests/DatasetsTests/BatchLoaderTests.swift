// The loader: batch shapes, per-epoch seeded shuffles covering every image once, content
// independent of thread count and timing, partial last batches, and errors surfacing whole.

import Datasets
import Foundation
import Tensor
import Testing

/// A dataset whose pixels record the index and the augmentation seed they were made with,
/// so a batch shows which image and which seed went where.
struct ProbeDataset: ImageDataset {
    let count: Int
    var channels: Int { 2 }
    var sideLength: Int { 2 }
    /// Indices whose image(at:) throws.
    var failing: Set<Int> = []
    /// Simulated decoding time per image.
    var delay: TimeInterval = 0

    func image(at index: Int, augmentationSeed: UInt64) throws -> [Float] {
        if delay > 0 { Thread.sleep(forTimeInterval: delay * Double(index % 3)) }
        if failing.contains(index) {
            throw DatasetError.malformed(file: "image-\(index).png", format: "PNG", offset: 0, reason: "probe failure")
        }
        let seedBits = Float(augmentationSeed % 65536)
        return [Float(index), seedBits, 0, 0, 0, 0, 0, Float(index)]
    }
}

@Suite("Batch loader")
struct BatchLoaderTests {
    private func collect(_ loader: BatchLoader, epoch: Int) throws -> [Tensor<Float>] {
        let batches = loader.batches(epoch: epoch)
        var result: [Tensor<Float>] = []
        while let batch = try batches.next() { result.append(batch) }
        return result
    }

    private func indices(_ batches: [Tensor<Float>]) -> [Int] {
        batches.flatMap { batch in (0..<batch.shape[0]).map { Int(batch.scalars[$0 * 8]) } }
    }

    @Test("batches are [B, C, L, L]; an epoch visits every image exactly once; last batch kept")
    func shapesAndCoverage() throws {
        let loader = try BatchLoader(dataset: ProbeDataset(count: 10), batchSize: 4, seed: 7)
        let batches = try collect(loader, epoch: 1)
        #expect(batches.map(\.shape) == [[4, 2, 2, 2], [4, 2, 2, 2], [2, 2, 2, 2]])
        #expect(loader.batchCount == 3)
        let seen = indices(batches)
        #expect(seen.sorted() == Array(0..<10))
        #expect(seen == loader.order(epoch: 1))
        #expect(seen != Array(0..<10))  // shuffled (10! orders: identity has probability 3e-7)
    }

    @Test("dropLast leaves out the partial batch; shuffle off keeps index order")
    func dropLastAndOrder() throws {
        let loader = try BatchLoader(dataset: ProbeDataset(count: 10), batchSize: 4, seed: 7, shuffle: false, dropLast: true)
        let batches = try collect(loader, epoch: 3)
        #expect(batches.count == 2 && loader.batchCount == 2)
        #expect(indices(batches) == Array(0..<8))
    }

    @Test("same seed and epoch: identical batches whatever the thread count and timing; epochs differ")
    func determinism() throws {
        let slow = ProbeDataset(count: 37, delay: 0.001)
        let reference = try collect(try BatchLoader(dataset: slow, batchSize: 5, seed: 11, prefetch: 1), epoch: 2)
        for threads in [2, 3] {
            let loader = try BatchLoader(dataset: slow, batchSize: 5, seed: 11, prefetch: 4, decodingThreads: threads)
            let batches = try collect(loader, epoch: 2)
            #expect(batches.map(\.scalars) == reference.map(\.scalars))
        }
        let otherEpoch = try collect(try BatchLoader(dataset: slow, batchSize: 5, seed: 11), epoch: 3)
        #expect(indices(otherEpoch) != indices(reference))
        let otherSeed = try collect(try BatchLoader(dataset: slow, batchSize: 5, seed: 12), epoch: 2)
        #expect(indices(otherSeed) != indices(reference))
    }

    @Test("each image gets the augmentation seed derived from (seed, epoch, index)")
    func augmentationSeeds() throws {
        let loader = try BatchLoader(dataset: ProbeDataset(count: 6), batchSize: 6, seed: 5)
        let batch = try #require(try collect(loader, epoch: 4).first)
        for position in 0..<6 {
            let index = Int(batch.scalars[position * 8])
            let seed = BatchLoader.augmentationSeed(seed: 5, epoch: 4, index: index)
            #expect(batch.scalars[position * 8 + 1] == Float(seed % 65536))
        }
        #expect(BatchLoader.augmentationSeed(seed: 5, epoch: 4, index: 0) != BatchLoader.augmentationSeed(seed: 5, epoch: 5, index: 0))
    }

    @Test("a failing image throws from next() at its batch; earlier batches are whole; then the epoch ends")
    func errorsSurface() throws {
        let dataset = ProbeDataset(count: 12, failing: [5])
        let loader = try BatchLoader(dataset: dataset, batchSize: 3, seed: 1, shuffle: false, decodingThreads: 2)
        let batches = loader.batches(epoch: 1)
        #expect(try batches.next()?.shape == [3, 2, 2, 2])
        let error = expectDatasetError { _ = try batches.next() }
        expectMalformed(error, file: "image-5.png", mentioning: ["probe failure"])
        #expect(try batches.next() == nil)
    }

    @Test("invalid parameters are rejected")
    func invalidParameters() {
        expectDatasetError { _ = try BatchLoader(dataset: ProbeDataset(count: 3), batchSize: 0, seed: 0) }
        expectDatasetError { _ = try BatchLoader(dataset: ProbeDataset(count: 3), batchSize: 1, seed: 0, prefetch: 0) }
    }

    @Test("abandoning an epoch midway does not block or leak the producer")
    func abandon() throws {
        let loader = try BatchLoader(dataset: ProbeDataset(count: 100, delay: 0.0005), batchSize: 2, seed: 3, prefetch: 2)
        for epoch in 0..<5 {
            let batches = loader.batches(epoch: epoch)
            _ = try batches.next()
        }
        #expect(try collect(loader, epoch: 9).count == 50)
    }
}
