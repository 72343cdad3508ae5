// The one thread-count setting, and splitting work over it with the worker pool.

import Foundation
import Synchronization

/// How many threads tensor kernels use.
///
/// The default is the environment variable `RGFLOW_THREADS` when set to a positive integer,
/// else the number of active processors. Results never depend on it: reductions and matrix
/// products split their work in a fixed way and combine it in a fixed order.
public enum Parallelism {
    private static let configured = Atomic<Int>(0)

    /// The number of threads kernels split work over (at least 1).
    public static var threadCount: Int {
        get {
            let value = configured.load(ordering: .relaxed)
            return value > 0 ? value : defaultThreadCount
        }
        set {
            precondition(newValue >= 1, "Parallelism.threadCount must be at least 1, got \(newValue)")
            configured.store(newValue, ordering: .relaxed)
        }
    }

    /// `RGFLOW_THREADS` if it is a positive integer, else the active processor count.
    public static let defaultThreadCount: Int = {
        if let text = ProcessInfo.processInfo.environment["RGFLOW_THREADS"],
           let value = Int(text), value > 0 {
            return value
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Splits `0..<count` into at most `threadCount` contiguous chunks of at least
    /// `minimumChunk` items and runs `body` on each, concurrently when there is more than one.
    ///
    /// Chunk boundaries are multiples of `alignment`, so a caller can keep SIMD or tile
    /// boundaries aligned.
    static func forEachChunk(
        of count: Int, minimumChunk: Int, alignment: Int = 1,
        _ body: (Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let threads = min(threadCount, max(1, count / max(minimumChunk, 1)))
        if threads <= 1 {
            body(0..<count)
            return
        }
        let units = (count + alignment - 1) / alignment
        let chunks = min(threads, units)
        // The chunks write disjoint ranges, which is what makes sharing `body` safe.
        WorkerPool.shared.run(chunks: chunks) { chunk in
            let lower = min(count, (units * chunk / chunks) * alignment)
            let upper = min(count, (units * (chunk + 1) / chunks) * alignment)
            if lower < upper { body(lower..<upper) }
        }
    }
}
