// The batching loader: a seeded per-epoch shuffle and per-image augmentation seeds, so that
// a batch's content depends only on (seed, epoch, batch), never on thread timing.

import Dispatch
import Foundation
import Tensor

/// Serves a dataset as `[B, C, L, L]` batches, shuffled per epoch, decoded in the background.
///
/// The order of epoch e is a permutation drawn from a ``TensorRandomGenerator`` seeded with
/// a hash of (seed, e), and image i of the dataset is augmented with the seed
/// ``augmentationSeed(seed:epoch:index:)``; so the batches of an epoch are the same for a
/// given seed whatever the number of decoding threads or their timing.
///
/// ```swift
/// let loader = try BatchLoader(dataset: dataset, batchSize: 64, seed: 1)
/// let batches = loader.batches(epoch: 1)
/// while let batch = try batches.next() { train(on: batch) }  // batch: [64, C, L, L]
/// ```
public final class BatchLoader: Sendable {
    /// The images.
    public let dataset: any ImageDataset
    /// Images per batch (the last batch may be smaller unless `dropsLastPartialBatch`).
    public let batchSize: Int
    /// Seeds the shuffles and augmentations.
    public let seed: UInt64
    /// Whether each epoch visits the images in a new random order (else in index order).
    public let shuffles: Bool
    /// Whether a final batch smaller than `batchSize` is left out.
    public let dropsLastPartialBatch: Bool
    /// How many decoded batches may wait ahead of the consumer.
    public let prefetchCount: Int
    /// How many threads decode the images of one batch.
    public let decodingThreads: Int

    /// A loader over `dataset`.
    ///
    /// - Parameters:
    ///   - batchSize: images per batch (B), at least 1.
    ///   - seed: seeds the per-epoch shuffle and the per-image augmentation.
    ///   - shuffle: draw a new order each epoch (default) or keep index order.
    ///   - dropLast: leave out the last batch when it has fewer than `batchSize` images.
    ///   - prefetch: decoded batches kept ready ahead of the consumer (at least 1).
    ///   - decodingThreads: threads decoding one batch's images (at least 1).
    /// - Throws: ``DatasetError/invalidArgument(_:)`` for a parameter out of range.
    public init(dataset: any ImageDataset, batchSize: Int, seed: UInt64, shuffle: Bool = true, dropLast: Bool = false,
                prefetch: Int = 3, decodingThreads: Int = 1) throws {
        guard batchSize >= 1 else { throw DatasetError.invalidArgument("batch size must be at least 1, got \(batchSize)") }
        guard prefetch >= 1 else { throw DatasetError.invalidArgument("prefetch must be at least 1, got \(prefetch)") }
        guard decodingThreads >= 1 else {
            throw DatasetError.invalidArgument("decoding threads must be at least 1, got \(decodingThreads)")
        }
        self.dataset = dataset
        self.batchSize = batchSize
        self.seed = seed
        self.shuffles = shuffle
        self.dropsLastPartialBatch = dropLast
        self.prefetchCount = prefetch
        self.decodingThreads = decodingThreads
    }

    /// Batches per epoch.
    public var batchCount: Int {
        // Without `count + batchSize - 1`, which overflows for huge batch sizes.
        dataset.count / batchSize + (dropsLastPartialBatch || dataset.count % batchSize == 0 ? 0 : 1)
    }

    /// The dataset indices of epoch `epoch`, in the order they are served.
    public func order(epoch: Int) -> [Int] {
        guard shuffles else { return Array(0..<dataset.count) }
        var generator = TensorRandomGenerator(seed: Self.mix(seed, UInt64(bitPattern: Int64(epoch)), 0x5348_5546_464C_45))
        return Self.permutation(count: dataset.count, using: &generator)
    }

    /// The dataset indices of batch `batch` of epoch `epoch`.
    public func indices(ofBatch batch: Int, epoch: Int) -> ArraySlice<Int> {
        precondition(batch >= 0 && batch < batchCount, "batch \(batch) is outside 0..<\(batchCount)")
        let order = order(epoch: epoch)
        let start = batch * batchSize
        return order[start..<(start + min(batchSize, order.count - start))]
    }

    /// The augmentation seed of dataset image `index` in epoch `epoch`: a hash of all three,
    /// so an image gets a fresh random flip each epoch, the same in every run.
    public static func augmentationSeed(seed: UInt64, epoch: Int, index: Int) -> UInt64 {
        mix(seed, UInt64(bitPattern: Int64(epoch)), UInt64(bitPattern: Int64(index)))
    }

    /// Starts decoding epoch `epoch` in the background and returns its batches.
    ///
    /// Up to `prefetchCount` batches are decoded ahead; dropping the returned value stops
    /// the background work.
    public func batches(epoch: Int) -> EpochBatches {
        batches(epoch: epoch, startingAt: 0)
    }

    /// The batches of epoch `epoch` from batch `firstBatch` on: the same batches the whole
    /// epoch would deliver there (resuming in the middle of an epoch).
    public func batches(epoch: Int, startingAt firstBatch: Int) -> EpochBatches {
        precondition(firstBatch >= 0, "batches(epoch:startingAt:): negative first batch \(firstBatch)")
        return EpochBatches(loader: self, epoch: epoch, order: order(epoch: epoch), firstBatch: firstBatch)
    }

    /// Decodes the images at `indices` into one `[indices.count, C, L, L]` tensor, or throws
    /// the error of the first failing image (in batch order); never returns a partial batch.
    public func makeBatch(indices: ArraySlice<Int>, epoch: Int) throws -> Tensor<Float> {
        let imageSize = dataset.channels * dataset.sideLength * dataset.sideLength
        let indices = Array(indices)
        let storage = BatchStorage(count: indices.count * imageSize, images: indices.count)
        let threads = max(1, min(decodingThreads, indices.count))
        let work = { @Sendable [dataset, seed] (worker: Int) in
            for position in stride(from: worker, to: indices.count, by: threads) {
                let index = indices[position]
                do {
                    let pixels = try dataset.image(at: index, augmentationSeed: Self.augmentationSeed(
                        seed: seed, epoch: epoch, index: index))
                    guard pixels.count == imageSize else {
                        throw DatasetError.inconsistent(path: "image \(index)", reason: "has \(pixels.count) values, "
                                                            + "expected \(imageSize) ([C, L, L])")
                    }
                    storage.write(pixels, at: position * imageSize)
                } catch {
                    storage.fail(position, error)
                }
            }
        }
        if threads <= 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: threads, execute: work) }
        if let error = storage.firstError { throw error }
        return Tensor(shape: [indices.count, dataset.channels, dataset.sideLength, dataset.sideLength],
                      scalars: storage.scalars)
    }

    // MARK: - Seeded helpers

    /// A uniformly random permutation of `0 ..< count` (Fisher-Yates with an unbiased bounded
    /// draw), written out here so that it never changes with the standard library.
    static func permutation(count: Int, using generator: inout TensorRandomGenerator) -> [Int] {
        var order = Array(0..<count)
        var position = count - 1
        while position > 0 {
            let other = Int(boundedRandom(UInt64(position + 1), using: &generator))
            order.swapAt(position, other)
            position -= 1
        }
        return order
    }

    /// A uniform integer in `0 ..< bound` by Lemire's multiply-and-reject method.
    static func boundedRandom(_ bound: UInt64, using generator: inout TensorRandomGenerator) -> UInt64 {
        let threshold = (0 &- bound) % bound  // 2^64 mod bound: the biased low products to reject
        while true {
            let product = generator.next().multipliedFullWidth(by: bound)
            if product.low >= threshold { return product.high }
        }
    }

    /// Combines three words into one well-mixed seed.
    static func mix(_ first: UInt64, _ second: UInt64, _ third: UInt64) -> UInt64 {
        SplitMix64.combine(first, second, third)
    }
}

/// The output buffer of one batch, written by several decoding threads at disjoint offsets.
private final class BatchStorage: @unchecked Sendable {
    // Threads write disjoint ranges of `buffer` and their own slot of `errors`; the lock only
    // guards the error slots, and readers wait for `concurrentPerform` to return.
    private let buffer: UnsafeMutableBufferPointer<Float>
    private var errors: [Error?]
    private let lock = NSLock()

    init(count: Int, images: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: 0)
        errors = Array(repeating: nil, count: images)
    }

    deinit { buffer.deallocate() }

    func write(_ values: [Float], at offset: Int) {
        values.withUnsafeBufferPointer { source in
            _ = UnsafeMutableBufferPointer(rebasing: buffer[offset..<(offset + source.count)]).initialize(fromContentsOf: source)
        }
    }

    func fail(_ position: Int, _ error: Error) {
        lock.lock()
        defer { lock.unlock() }
        errors[position] = error
    }

    var firstError: Error? {
        lock.lock()
        defer { lock.unlock() }
        return errors.lazy.compactMap { $0 }.first
    }

    var scalars: [Float] { Array(buffer) }
}
