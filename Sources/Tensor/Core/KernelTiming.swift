// Opt-in wall-time accounting of kernel calls by category, so a training step's time can be
// split into GEMM, elementwise, fused, reduction, gather/scatter/copy and random-fill work
// (`rgflow-bench train --breakdown`). Off, each call pays one relaxed atomic load.

import Dispatch
import Synchronization

/// Where the kernels' time goes while a measurement is running.
///
/// Only the outermost timed call is counted (a scatter that calls the scatter-add kernel is
/// counted once), and calls are expected from one calling thread at a time, as the training
/// step makes them: the kernels split their own work over threads inside a call.
public enum KernelTiming {
    /// A kind of kernel work.
    public enum Category: Int, CaseIterable, Sendable {
        /// Matrix products (packed GEMM).
        case gemm
        /// Unary, binary, ternary and select passes.
        case elementwise
        /// Fused gradient and coupling kernels (Swish and scale backward, affine couplings).
        case fused
        /// Row and column reductions.
        case reduction
        /// Gathers, scatters and strided copies.
        case gatherScatterCopy
        /// Random fills.
        case random

        /// The name a table prints.
        public var name: String {
            ["gemm", "elementwise", "fused", "reductions", "gather/scatter/copy", "random"][rawValue]
        }
    }

    private static let enabled = Atomic<Bool>(false)
    private static let depth = Atomic<Int>(0)
    private static let totals = Mutex([UInt64](repeating: 0, count: Category.allCases.count))

    /// Starts counting from zero.
    public static func start() {
        totals.withLock { $0 = [UInt64](repeating: 0, count: Category.allCases.count) }
        enabled.store(true, ordering: .sequentiallyConsistent)
    }

    /// Stops counting and returns the seconds spent per category since ``start()``.
    @discardableResult
    public static func stop() -> [Category: Double] {
        enabled.store(false, ordering: .sequentiallyConsistent)
        let values = totals.withLock { $0 }
        return Dictionary(uniqueKeysWithValues: Category.allCases.map { ($0, Double(values[$0.rawValue]) / 1e9) })
    }

    /// Runs `body`, adding its wall time to `category` when counting and not inside another timed call.
    @inline(__always)
    static func measure<T>(_ category: Category, _ body: () -> T) -> T {
        guard enabled.load(ordering: .relaxed) else { return body() }
        guard depth.wrappingAdd(1, ordering: .relaxed).oldValue == 0 else {
            defer { depth.wrappingSubtract(1, ordering: .relaxed) }
            return body()
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let result = body()
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        depth.wrappingSubtract(1, ordering: .relaxed)
        totals.withLock { $0[category.rawValue] += elapsed }
        return result
    }
}
