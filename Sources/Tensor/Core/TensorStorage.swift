// The shared, 64-byte aligned buffer behind every tensor view.

/// Reference-counted storage shared by a tensor and its views; `Tensor` copies it on write.
///
/// The buffer is 64-byte aligned so that SIMD loads of a whole cache line never straddle two.
final class TensorStorage<Scalar: TensorScalar>: @unchecked Sendable {
    // @unchecked: the pointer is written only by the unique owner (copy-on-write) or by
    // kernels that write disjoint ranges from several threads.
    let base: UnsafeMutablePointer<Scalar>
    let count: Int

    init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        base = BufferPool.allocate(byteCount: TensorStorage.byteCount(count))
            .bindMemory(to: Scalar.self, capacity: max(count, 1))
    }

    convenience init(repeating value: Scalar, count: Int) {
        self.init(uninitializedCount: count)
        Scalar.kernels.fill(base, count, value)
    }

    static func byteCount(_ count: Int) -> Int { max(count, 1) * MemoryLayout<Scalar>.stride }

    deinit {
        BufferPool.deallocate(UnsafeMutableRawPointer(base), byteCount: TensorStorage.byteCount(count))
    }
}
