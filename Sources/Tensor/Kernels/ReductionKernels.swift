// Reductions with a fixed summation tree: blocks of a fixed size summed with SIMD lanes,
// block results combined pairwise. The tree depends only on the length, never on the
// thread count, so results are bitwise reproducible.


enum ReductionKernels {
    /// Elements summed sequentially per SIMD lane before block results are paired up.
    static let blockLength = 1024
    /// Rows summed sequentially per column before row blocks are paired up.
    static let rowBlock = 32

    @inline(__always)
    static func combine<V: FloatVector>(_ operation: ReductionOperation, _ a: V, _ b: V) -> V {
        switch operation {
        case .sum: return a + b
        case .maximum: return a.replacing(with: b, where: V.isLess(a, b) .| V.isNotEqual(b, b))
        case .minimum: return a.replacing(with: b, where: V.isLess(b, a) .| V.isNotEqual(b, b))
        }
    }

    @inline(__always)
    static func identity<V: FloatVector>(_ operation: ReductionOperation, _: V.Type) -> V {
        switch operation {
        case .sum: return V(repeating: 0)
        case .maximum: return V(repeating: -.infinity)
        case .minimum: return V(repeating: .infinity)
        }
    }

    /// Lane tree: pairs lanes (0,1), (2,3), ... then pairs of pairs, a fixed order.
    @inline(__always)
    static func reduceLanes<V: FloatVector>(_ operation: ReductionOperation, _ vector: V) -> V.Scalar {
        var values = vector
        var width = V.scalarCount
        while width > 1 {
            width /= 2
            var left = identity(operation, V.self), right = identity(operation, V.self)
            for lane in 0..<width {
                left[lane] = values[2 * lane]
                right[lane] = values[2 * lane + 1]
            }
            values = combine(operation, left, right)
        }
        return values[0]
    }

    /// Reduction of `count` contiguous elements within one block (at most `blockLength`).
    @inline(__always)
    static func reduceBlock<V: FloatVector>(
        _: V.Type, _ operation: ReductionOperation, _ pointer: UnsafePointer<V.Scalar>, _ count: Int
    ) -> V.Scalar {
        let width = V.scalarCount
        var a0 = identity(operation, V.self), a1 = a0, a2 = a0, a3 = a0
        var index = 0
        while index + 4 * width <= count {
            a0 = combine(operation, a0, V.loadUnaligned(pointer + index))
            a1 = combine(operation, a1, V.loadUnaligned(pointer + index + width))
            a2 = combine(operation, a2, V.loadUnaligned(pointer + index + 2 * width))
            a3 = combine(operation, a3, V.loadUnaligned(pointer + index + 3 * width))
            index += 4 * width
        }
        // Whole vectors, then one partial one, into a0 in order: a lane count that could vary
        // per vector made the compiler scalarise this loop (the couplings' log-determinant
        // sums run it on rows of 48).
        while index + width <= count {
            a0 = combine(operation, a0, V.loadUnaligned(pointer + index))
            index += width
        }
        if index < count {
            let fill = identity(operation, V.self)[0]
            a0 = combine(operation, a0, V.loadPartial(pointer + index, count: count - index, stride: 1, fill: fill))
        }
        return reduceLanes(operation, combine(operation, combine(operation, a0, a1), combine(operation, a2, a3)))
    }

    /// Pairwise reduction of a contiguous run of any length.
    static func reduceRun<V: FloatVector>(
        _: V.Type, _ operation: ReductionOperation, _ pointer: UnsafePointer<V.Scalar>, _ count: Int
    ) -> V.Scalar {
        if count <= blockLength { return reduceBlock(V.self, operation, pointer, count) }
        let blocks = (count + blockLength - 1) / blockLength
        let middle = (blocks / 2) * blockLength
        let left = reduceRun(V.self, operation, pointer, middle)
        let right = reduceRun(V.self, operation, pointer + middle, count - middle)
        return combine(operation, V(repeating: left), V(repeating: right))[0]
    }

    /// Reduces each of `rows` contiguous rows of `length` elements (rows `rowStride` apart)
    /// into `output[row]`. A single long row is split into blocks reduced in parallel.
    static func reduceRows<V: FloatVector>(
        _: V.Type, _ operation: ReductionOperation, rows: Int, length: Int, rowStride: Int,
        _ input: UnsafePointer<V.Scalar>, _ output: UnsafeMutablePointer<V.Scalar>
    ) {
        if rows < Parallelism.threadCount && length >= 8 * blockLength {
            // Block results first (in parallel), then the same pairwise tree over them.
            let blocks = (length + blockLength - 1) / blockLength
            let partial = UnsafeMutablePointer<V.Scalar>.allocate(capacity: blocks)
            defer { partial.deallocate() }
            for row in 0..<rows {
                let start = input + row * rowStride
                Parallelism.forEachChunk(of: blocks, minimumChunk: 4) { range in
                    for block in range {
                        let begin = block * blockLength
                        partial[block] = reduceBlock(V.self, operation, start + begin, min(blockLength, length - begin))
                    }
                }
                output[row] = pairwise(operation, partial, 0..<blocks, V.self)
            }
            return
        }
        Parallelism.forEachChunk(of: rows, minimumChunk: max(1, (1 << 15) / max(length, 1))) { range in
            for row in range {
                output[row] = reduceRun(V.self, operation, input + row * rowStride, length)
            }
        }
    }

    /// The pairwise tree of `reduceRun` applied to precomputed block results.
    private static func pairwise<V: FloatVector>(
        _ operation: ReductionOperation, _ values: UnsafeMutablePointer<V.Scalar>, _ range: Range<Int>, _: V.Type
    ) -> V.Scalar {
        if range.count == 1 { return values[range.lowerBound] }
        let middle = range.lowerBound + range.count / 2
        let left = pairwise(operation, values, range.lowerBound..<middle, V.self)
        let right = pairwise(operation, values, middle..<range.upperBound, V.self)
        return combine(operation, V(repeating: left), V(repeating: right))[0]
    }

    /// Column reduction: `output[j] = reduce over i < rows of input[i * rowStride + j]` for
    /// `columns` contiguous columns; rows are combined in blocks of `rowBlock`, then pairwise.
    static func reduceColumns<V: FloatVector>(
        _: V.Type, _ operation: ReductionOperation, rows: Int, columns: Int, rowStride: Int,
        _ input: UnsafePointer<V.Scalar>, _ output: UnsafeMutablePointer<V.Scalar>
    ) {
        let width = V.scalarCount
        let chunks = (columns + width - 1) / width
        Parallelism.forEachChunk(of: chunks, minimumChunk: max(1, (1 << 15) / max(rows * width, 1))) { range in
            for chunk in range {
                let column = chunk * width
                let lanes = min(width, columns - column)
                let result = columnTree(operation, input + column, lanes, rowStride, 0..<rows, V.self)
                result.storePartial(to: output + column, count: lanes, stride: 1)
            }
        }
    }

    private static func columnTree<V: FloatVector>(
        _ operation: ReductionOperation, _ input: UnsafePointer<V.Scalar>, _ lanes: Int, _ rowStride: Int,
        _ rows: Range<Int>, _: V.Type
    ) -> V {
        if rows.count <= rowBlock {
            var accumulator = identity(operation, V.self)
            let fill = accumulator[0]
            for row in rows {
                let values = lanes == V.scalarCount
                    ? V.loadUnaligned(input + row * rowStride)
                    : V.loadPartial(input + row * rowStride, count: lanes, stride: 1, fill: fill)
                accumulator = combine(operation, accumulator, values)
            }
            return accumulator
        }
        let blocks = (rows.count + rowBlock - 1) / rowBlock
        let middle = rows.lowerBound + (blocks / 2) * rowBlock
        return combine(operation,
                       columnTree(operation, input, lanes, rowStride, rows.lowerBound..<middle, V.self),
                       columnTree(operation, input, lanes, rowStride, middle..<rows.upperBound, V.self))
    }
}
