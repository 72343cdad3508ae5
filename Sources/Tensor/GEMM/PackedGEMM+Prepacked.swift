// B packed once and multiplied many times: the products of one weight matrix with many small
// blocks of rows, as a subnet computed tile by tile makes.
//
// Each row of C comes out bit for bit as from `PackedGEMM.multiply`: a row's value depends
// only on the K blocks (KC) and the tile width (chosen from N), not on which rows are computed
// together, as long as tiles start at multiples of MR.

extension PackedGEMM {
    /// All of B (every KC block, every NR-wide sliver) in the layout `packB` makes, in
    /// pool memory (a subnet packs its weights on every call) the caller returns with
    /// ``release()``.
    struct PrepackedB<Scalar: TensorScalar> {
        let k, n, nr, vectors, slivers: Int
        let base: UnsafeMutablePointer<Scalar>
        let byteCount: Int

        /// The packed slivers of the K block starting at `pc` (of length `min(KC, k - pc)`).
        func block(at pc: Int) -> UnsafePointer<Scalar> { UnsafePointer(base + slivers * pc * nr) }

        func release() { BufferPool.deallocate(UnsafeMutableRawPointer(base), byteCount: byteCount) }
    }

    /// Packs `[k, n]` B (strides as in ``GEMMOperands``) for ``multiplyPrepacked``.
    static func prepack<V: SIMD>(
        _: V.Type, b: UnsafePointer<V.Scalar>, bRowStride: Int, bColumnStride: Int, k: Int, n: Int, allowedVectorCounts: [Int]
    ) -> PrepackedB<V.Scalar> where V.Scalar: TensorScalar {
        let vectors = vectorsPerRow(n: n, width: V.scalarCount, allowed: allowedVectorCounts)
        let nr = vectors * V.scalarCount
        let slivers = (n + nr - 1) / nr
        let count = max(1, slivers * nr * k), byteCount = count * MemoryLayout<V.Scalar>.stride
        let base = BufferPool.allocate(byteCount: byteCount).bindMemory(to: V.Scalar.self, capacity: count)
        let operands = GEMMOperands<V.Scalar>(m: 0, n: n, k: k, a: b, aRowStride: 0, aColumnStride: 0,
                                              b: b, bRowStride: bRowStride, bColumnStride: bColumnStride,
                                              c: base, cRowStride: 0, beta: 0, bias: nil)
        let kcMax = kc(V.Scalar.self)
        for pc in stride(from: 0, to: k, by: kcMax) {
            packB(V.self, operands, pc: pc, kc: min(kcMax, k - pc), columns: 0..<n, nr: nr, into: base + slivers * pc * nr)
        }
        return PrepackedB(k: k, n: n, nr: nr, vectors: vectors, slivers: slivers, base: base, byteCount: byteCount)
    }

    /// `C = A·B + bias` for `m` rows of row-major A (`aRowStride` apart) on the calling
    /// thread, C row-major `cRowStride` apart.
    static func multiplyPrepacked<V: SIMD>(
        _: V.Type, a: UnsafePointer<V.Scalar>, aRowStride: Int, m: Int, b packed: PrepackedB<V.Scalar>,
        c: UnsafeMutablePointer<V.Scalar>, cRowStride: Int, bias: UnsafePointer<V.Scalar>?
    ) where V.Scalar: TensorScalar {
        typealias Scalar = V.Scalar
        let nr = packed.nr, kcMax = kc(Scalar.self)
        let o = GEMMOperands<Scalar>(m: m, n: packed.n, k: packed.k, a: a, aRowStride: aRowStride, aColumnStride: 1,
                                     b: a, bRowStride: 0, bColumnStride: 0, c: c, cRowStride: cRowStride, beta: 0, bias: bias)
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: mr * nr) { buffer in
            let scratch = buffer.baseAddress!
            for pc in stride(from: 0, to: o.k, by: kcMax) {
                let kc = min(kcMax, o.k - pc)
                let panels = packed.block(at: pc)
                let accumulate = pc > 0
                let blockBias = pc == 0 ? bias : nil
                for sliver in 0..<packed.slivers {
                    let j = sliver * nr
                    let width = min(nr, o.n - j)
                    let b = panels + sliver * kc * nr
                    for ir in stride(from: 0, to: m, by: mr) {
                        let height = min(mr, m - ir)
                        let panel = microPanel(o, row: ir, height: height, pc: pc)
                        if height == mr && width == nr {
                            kernel(V.self, packed.vectors, kc, panel, b, c + ir * cRowStride + j, cRowStride,
                                   blockBias.map { $0 + j }, accumulate)
                        } else {
                            kernel(V.self, packed.vectors, kc, panel, b, scratch, nr, nil, false)
                            storeEdgeTile(scratch, nr, height: height, width: width, into: c + ir * cRowStride + j, cRowStride,
                                          bias: blockBias.map { $0 + j }, accumulate: accumulate)
                        }
                    }
                }
            }
        }
    }
}
