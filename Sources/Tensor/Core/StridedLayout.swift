// Walking several strided operands of one shape: axis coalescing and the outer-index loop.

/// The common traversal of up to four operands that share a shape but not strides.
///
/// Adjacent axes are merged when every operand steps through them as one axis, and axes of
/// extent 1 are dropped, so a contiguous operation becomes one long inner loop and a
/// broadcast one a short outer loop around a long inner one.
struct StridedLayout {
    /// Extents after coalescing; the last axis is the inner loop.
    private(set) var shape: [Int]
    /// `strides[operand][axis]` after coalescing.
    private(set) var strides: [[Int]]

    init(shape: [Int], strides operandStrides: [[Int]]) {
        var keptShape: [Int] = []
        var kept: [[Int]] = Array(repeating: [], count: operandStrides.count)
        for axis in 0..<shape.count where shape[axis] != 1 {
            if let last = keptShape.indices.last,
               operandStrides.indices.allSatisfy({ kept[$0][last] == operandStrides[$0][axis] * shape[axis] }) {
                keptShape[last] *= shape[axis]
                for operand in operandStrides.indices { kept[operand][last] = operandStrides[operand][axis] }
            } else {
                keptShape.append(shape[axis])
                for operand in operandStrides.indices { kept[operand].append(operandStrides[operand][axis]) }
            }
        }
        if keptShape.isEmpty {
            keptShape = [1]
            for operand in kept.indices { kept[operand] = [0] }
        }
        self.shape = keptShape
        self.strides = kept
    }

    var innerCount: Int { shape[shape.count - 1] }
    var outerCount: Int { shape.dropLast().reduce(1, *) }
    func innerStride(_ operand: Int) -> Int { strides[operand][shape.count - 1] }

    /// Calls `body(outerIndex, offsets)` for outer positions `range`, where `offsets[k]` is the
    /// element offset of operand k at the start of that inner run.
    func forEachInnerRun(in range: Range<Int>, _ body: (Int, UnsafeMutableBufferPointer<Int>) -> Void) {
        let outerRank = shape.count - 1
        let operands = strides.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(outerRank, 1)) { counter in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: operands) { offsets in
                // Decompose the first outer index into per-axis counters.
                var remainder = range.lowerBound
                for axis in stride(from: outerRank - 1, through: 0, by: -1) {
                    counter[axis] = remainder % shape[axis]
                    remainder /= shape[axis]
                }
                for operand in 0..<operands {
                    var position = 0
                    for axis in 0..<outerRank { position += counter[axis] * strides[operand][axis] }
                    offsets[operand] = position
                }
                for outer in range {
                    body(outer, offsets)
                    // Advance the odometer and the offsets with it.
                    var axis = outerRank - 1
                    while axis >= 0 {
                        counter[axis] += 1
                        for operand in 0..<operands { offsets[operand] += strides[operand][axis] }
                        if counter[axis] < shape[axis] { break }
                        for operand in 0..<operands { offsets[operand] -= strides[operand][axis] * shape[axis] }
                        counter[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }
}
