// One epoch of batches, decoded ahead on a background Dispatch queue while the caller
// trains, handed over in order; a decoding error ends the epoch at that batch.

import Dispatch
import Foundation
import Tensor

/// The batches of one epoch, produced in the background by a ``BatchLoader``.
///
/// A background task decodes batch after batch, keeping at most the loader's
/// `prefetchCount` finished batches waiting; ``next()`` hands them over in order. When an
/// image cannot be decoded, ``next()`` throws that error at the batch that contains it (the
/// batches before it are delivered whole) and the epoch ends. Dropping this value cancels
/// the background work after the batch in progress. One consumer calls ``next()``; the
/// value is not meant to be shared between threads.
public final class EpochBatches {
    // Shared with the producer only through `state`, whose fields are guarded by its condition.
    private let state: PrefetchState
    private var nextBatch = 0
    /// The number of batches this epoch delivers when nothing fails.
    public let batchCount: Int
    /// The epoch these batches belong to.
    public let epoch: Int

    /// The batches of `epoch` in `order`, from batch `firstBatch` on (a resumed epoch skips
    /// the batches it already trained on without decoding them).
    init(loader: BatchLoader, epoch: Int, order: [Int], firstBatch: Int = 0) {
        let batchCount = loader.batchCount
        self.batchCount = batchCount
        self.epoch = epoch
        let state = PrefetchState(consumed: firstBatch)
        self.state = state
        nextBatch = firstBatch
        guard firstBatch < batchCount else { return }
        DispatchQueue.global(qos: .userInitiated).async {
            for batch in firstBatch..<batchCount {
                guard state.waitForRoom(batch: batch, limit: loader.prefetchCount) else { return }
                let start = batch * loader.batchSize
                let indices = order[start..<(start + min(loader.batchSize, order.count - start))]
                let result = Result { try loader.makeBatch(indices: indices, epoch: epoch) }
                state.deliver(batch: batch, result)
                if case .failure = result { return }
            }
        }
    }

    deinit { state.cancel() }

    /// The next batch, `[B, C, L, L]`, or nil after the last one.
    ///
    /// Blocks until the background task has decoded it.
    /// - Throws: the first error of the batch's images; the epoch then ends (later calls
    ///   return nil).
    public func next() throws -> Tensor<Float>? {
        guard nextBatch < batchCount else { return nil }
        let result = state.take(batch: nextBatch)
        nextBatch += 1
        switch result {
        case .success(let batch):
            return batch
        case .failure(let error):
            nextBatch = batchCount
            state.cancel()
            throw error
        }
    }
}

/// The hand-over between the producer task and the consumer, guarded by one condition.
private final class PrefetchState: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: Result<Tensor<Float>, Error>] = [:]
    private var consumed: Int
    private var cancelled = false

    init(consumed: Int) { self.consumed = consumed }

    /// Waits until fewer than `limit` batches are waiting; false when cancelled.
    func waitForRoom(batch: Int, limit: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled && batch - consumed >= limit { condition.wait() }
        return !cancelled
    }

    func deliver(batch: Int, _ result: Result<Tensor<Float>, Error>) {
        condition.lock()
        ready[batch] = result
        condition.broadcast()
        condition.unlock()
    }

    func take(batch: Int) -> Result<Tensor<Float>, Error> {
        condition.lock()
        defer { condition.unlock() }
        while ready[batch] == nil { condition.wait() }
        let result = ready.removeValue(forKey: batch)!
        consumed = batch + 1
        condition.broadcast()
        return result
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
