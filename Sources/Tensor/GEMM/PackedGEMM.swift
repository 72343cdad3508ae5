// The blocked GEMM driver: BLIS's loops around the micro-kernels, with A read in place.
//
// Loops (BLIS names): pc over K in KC blocks (pack a KC x N panel of B into NR-wide
// slivers), ic over M in MC blocks, jr over slivers, ir over MR = 6 rows. A is not packed:
// the micro-kernel broadcasts A[i, p] straight from six row pointers, which measured faster
// here than packing A with a scalar transpose (PERFORMANCE.md §5).

enum PackedGEMM {
    static let mr = 6
    /// Rows of A per ic block (a multiple of MR): with KC this keeps the A block in L2.
    static let mc = 192
    /// Below this many flops one thread is faster than waking a second.
    static let parallelFlopThreshold = 1.0e7

    /// K per block: 512 Floats or 256 Doubles, so a packed sliver is 128 KiB either way.
    static func kc<Scalar>(_: Scalar.Type) -> Int { 2048 / MemoryLayout<Scalar>.stride }

    /// The tile width in vectors that pads N least (widest on ties), from those the build's
    /// register file allows.
    static func vectorsPerRow(n: Int, width: Int, allowed: [Int]) -> Int {
        var best = allowed[0]
        var bestPadded = Int.max
        for count in allowed.sorted(by: >) {
            let tile = count * width
            let padded = (n + tile - 1) / tile * tile
            if padded < bestPadded {
                best = count
                bestPadded = padded
            }
        }
        return best
    }

    static func multiply<V: SIMD>(_: V.Type, _ o: GEMMOperands<V.Scalar>, allowedVectorCounts: [Int])
    where V.Scalar: TensorScalar {
        guard o.m > 0 && o.n > 0 else { return }
        if o.k == 0 {
            emptyProduct(o)
            return
        }
        if o.beta != 0 && o.beta != 1 {
            for i in 0..<o.m {
                let row = o.c + i * o.cRowStride
                for j in 0..<o.n { row[j] *= o.beta }
            }
        }
        let vectors = vectorsPerRow(n: o.n, width: V.scalarCount, allowed: allowedVectorCounts)
        let nr = vectors * V.scalarCount
        let threads = o.flops < parallelFlopThreshold ? 1 : Parallelism.threadCount
        if threads == 1 {
            block(V.self, o, rows: 0..<o.m, columns: 0..<o.n, vectors: vectors)
        } else if o.m >= threads * 16 * mr || o.n < threads * nr {
            Parallelism.forEachChunk(of: o.m, minimumChunk: mr, alignment: mr) { rows in
                block(V.self, o, rows: rows, columns: 0..<o.n, vectors: vectors)
            }
        } else {
            // Few rows (a weight gradient such as 48 x 512): split N so no thread packs the
            // whole of B.
            Parallelism.forEachChunk(of: o.n, minimumChunk: nr, alignment: nr) { columns in
                block(V.self, o, rows: 0..<o.m, columns: columns, vectors: vectors)
            }
        }
    }

    /// C = beta·C + bias when K = 0.
    private static func emptyProduct<Scalar: TensorScalar>(_ o: GEMMOperands<Scalar>) {
        for i in 0..<o.m {
            let row = o.c + i * o.cRowStride
            for j in 0..<o.n {
                let base: Scalar = o.beta == 0 ? 0 : o.beta * row[j]
                row[j] = base + (o.bias?[j] ?? 0)
            }
        }
    }

    /// One thread's share: all of K for the given rows and columns of C.
    private static func block<V: SIMD>(
        _: V.Type, _ o: GEMMOperands<V.Scalar>, rows: Range<Int>, columns: Range<Int>, vectors: Int
    ) where V.Scalar: TensorScalar {
        typealias Scalar = V.Scalar
        let nr = vectors * V.scalarCount
        let kcMax = kc(Scalar.self)
        let slivers = (columns.count + nr - 1) / nr
        // A read in place has each micro-panel's six values of one k adjacent only when A is
        // row-major. A transposed (the weight gradients, Aᵀ of an activation) puts consecutive
        // k a whole row apart, 2 KiB at width 512: every k hits the same few L1 sets, so such
        // A is packed per MC x KC block into MR-row panels first (measured below in
        // `rgflow-bench tensor`, gemm_tn rows).
        let packsA = o.aColumnStride != 1
        let packedACount = packsA ? (mc / mr) * mr * min(kcMax, o.k) : 0
        BufferPool.withScratch(Scalar.self, count: slivers * min(kcMax, o.k) * nr + packedACount) { packed in
            let scratch = UnsafeMutablePointer<Scalar>.allocate(capacity: mr * nr)
            defer { scratch.deallocate() }
            let packedA = packed + slivers * min(kcMax, o.k) * nr

            for pc in stride(from: 0, to: o.k, by: kcMax) {
                let kc = min(kcMax, o.k - pc)
                packB(V.self, o, pc: pc, kc: kc, columns: columns, nr: nr, into: packed)
                // Only the first K block applies beta (0: overwrite) and the bias.
                let accumulate = pc > 0 || o.beta != 0
                let bias = pc == 0 ? o.bias : nil
                for ic in stride(from: rows.lowerBound, to: rows.upperBound, by: mc) {
                    let icEnd = min(ic + mc, rows.upperBound)
                    if packsA { packA(o, rows: ic..<icEnd, pc: pc, kc: kc, into: packedA) }
                    for sliver in 0..<slivers {
                        let j = columns.lowerBound + sliver * nr
                        let width = min(nr, columns.upperBound - j)
                        let b = UnsafePointer(packed + sliver * kc * nr)
                        for ir in stride(from: ic, to: icEnd, by: mr) {
                            let height = min(mr, icEnd - ir)
                            let panel = packsA ? packedPanel(packedA + (ir - ic) * kc, height: height)
                                : microPanel(o, row: ir, height: height, pc: pc)
                            if height == mr && width == nr {
                                kernel(V.self, vectors, kc, panel, b, o.c + ir * o.cRowStride + j, o.cRowStride,
                                       bias.map { $0 + j }, accumulate)
                            } else {
                                kernel(V.self, vectors, kc, panel, b, scratch, nr, nil, false)
                                storeEdgeTile(scratch, nr, height: height, width: width, into: o.c + ir * o.cRowStride + j, o.cRowStride,
                                              bias: bias.map { $0 + j }, accumulate: accumulate)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Writes the top-left `height` x `width` of a tile the micro-kernel left in `scratch`
    /// (`nr` wide) to C, adding the bias and, when `accumulate`, C's values. One loop per case,
    /// so that each vectorises; with the tests inside the loop the copy ran element by element.
    @inline(__always)
    static func storeEdgeTile<Scalar: TensorScalar>(
        _ scratch: UnsafeMutablePointer<Scalar>, _ nr: Int, height: Int, width: Int, into c: UnsafeMutablePointer<Scalar>,
        _ cRowStride: Int, bias: UnsafePointer<Scalar>?, accumulate: Bool
    ) {
        for i in 0..<height {
            let target = c + i * cRowStride, source = scratch + i * nr
            switch (bias, accumulate) {
            case (let bias?, true): for jj in 0..<width { target[jj] = target[jj] + (source[jj] + bias[jj]) }
            case (let bias?, false): for jj in 0..<width { target[jj] = source[jj] + bias[jj] }
            case (nil, true): for jj in 0..<width { target[jj] = target[jj] + source[jj] }
            case (nil, false): target.update(from: source, count: width)
            }
        }
    }

    /// Rows `row ..< row + height` of A from column `pc`; missing rows repeat the first
    /// (their results land in the scratch tile and are dropped).
    @inline(__always)
    static func microPanel<Scalar>(_ o: GEMMOperands<Scalar>, row: Int, height: Int, pc: Int) -> MicroPanelA<Scalar> {
        let base = o.a + row * o.aRowStride + pc * o.aColumnStride
        func rowPointer(_ i: Int) -> UnsafePointer<Scalar> { i < height ? base + i * o.aRowStride : base }
        return MicroPanelA(row0: rowPointer(0), row1: rowPointer(1), row2: rowPointer(2),
                           row3: rowPointer(3), row4: rowPointer(4), row5: rowPointer(5),
                           columnStride: o.aColumnStride)
    }

    /// Packs A[rows, pc ..< pc + kc] into MR-row panels, each kc x MR with the MR values of
    /// one k adjacent (panel q at `q · MR · kc`). A short last panel's missing rows are not
    /// written: ``packedPanel(_:height:)`` points them at its first row.
    static func packA<Scalar>(_ o: GEMMOperands<Scalar>, rows: Range<Int>, pc: Int, kc: Int,
                              into packed: UnsafeMutablePointer<Scalar>) {
        // k in runs of `kRun`, panels inside: each k's values of all the rows are adjacent in
        // transposed A, and each panel receives one contiguous kRun x MR piece. k outer alone
        // wrote one MR run per panel per k, MR · kc elements apart (12 KiB for Floats at
        // KC 512): every store hit the same L1 set, and those stores were a tenth of a
        // two-thread training step in a profile.
        let whole = rows.count / mr * mr
        let kRun = 16
        let bytes = mr &* MemoryLayout<Scalar>.stride
        for p0 in stride(from: 0, to: kc, by: kRun) {
            let pEnd = min(p0 &+ kRun, kc)
            for panel in stride(from: 0, to: whole, by: mr) {
                let to = packed + panel &* kc
                for p in p0..<pEnd {
                    let source = o.a + ((rows.lowerBound &+ panel) &* o.aRowStride &+ (pc &+ p) &* o.aColumnStride)
                    if o.aRowStride == 1 {
                        // One fixed-size copy (vector moves), not six scalar ones.
                        UnsafeMutableRawPointer(to + p &* mr).copyMemory(from: UnsafeRawPointer(source), byteCount: bytes)
                    } else {
                        for i in 0..<mr { to[p &* mr &+ i] = source[i &* o.aRowStride] }
                    }
                }
            }
            if whole < rows.count {
                for p in p0..<pEnd {
                    let source = o.a + ((rows.lowerBound &+ whole) &* o.aRowStride &+ (pc &+ p) &* o.aColumnStride)
                    let to = packed + (whole &* kc &+ p &* mr)
                    for i in 0..<(rows.count - whole) { to[i] = source[i &* o.aRowStride] }
                }
            }
        }
    }

    /// The micro-panel of a panel `packA` wrote; missing rows read the first row.
    @inline(__always)
    static func packedPanel<Scalar>(_ base: UnsafeMutablePointer<Scalar>, height: Int) -> MicroPanelA<Scalar> {
        let base = UnsafePointer(base)
        func rowPointer(_ i: Int) -> UnsafePointer<Scalar> { i < height ? base + i : base }
        return MicroPanelA(row0: rowPointer(0), row1: rowPointer(1), row2: rowPointer(2),
                           row3: rowPointer(3), row4: rowPointer(4), row5: rowPointer(5), columnStride: mr)
    }

    @inline(__always)
    static func kernel<V: SIMD>(
        _: V.Type, _ vectors: Int, _ kc: Int, _ a: MicroPanelA<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
        _ c: UnsafeMutablePointer<V.Scalar>, _ cRowStride: Int, _ bias: UnsafePointer<V.Scalar>?, _ accumulate: Bool
    ) where V.Scalar: TensorScalar {
        switch vectors {
        case 4: MicroKernels.kernel6x4(V.self, kc, a, b, c, cRowStride, bias, accumulate)
        case 3: MicroKernels.kernel6x3(V.self, kc, a, b, c, cRowStride, bias, accumulate)
        case 2: MicroKernels.kernel6x2(V.self, kc, a, b, c, cRowStride, bias, accumulate)
        default: MicroKernels.kernel6x1(V.self, kc, a, b, c, cRowStride, bias, accumulate)
        }
    }

    /// Packs B[pc ..< pc + kc, columns] into NR-wide slivers, each kc x NR row-major, zero past
    /// the last column (BLIS's packed B micro-panels).
    static func packB<V: SIMD>(
        _: V.Type, _ o: GEMMOperands<V.Scalar>, pc: Int, kc: Int, columns: Range<Int>, nr: Int,
        into packed: UnsafeMutablePointer<V.Scalar>
    ) where V.Scalar: TensorScalar {
        let slivers = (columns.count + nr - 1) / nr
        let vectors = nr / V.scalarCount
        // Whole slivers by vectors, k outer: each row of B is read once, front to back. A
        // memmove call per row of NR values (64 bytes with AVX2) cost a fifth of a
        // weight-gradient product at the small preset, and sliver outer walks B down its
        // columns, a 2 KiB stride at width 512.
        let wholeSlivers = o.bColumnStride == 1 ? columns.count / nr : 0
        if wholeSlivers > 0 {
            for p in 0..<kc {
                let from = UnsafeRawPointer(o.b + ((pc &+ p) &* o.bRowStride &+ columns.lowerBound))
                let to = UnsafeMutableRawPointer(packed + p &* nr)
                for sliver in 0..<wholeSlivers {
                    let source = sliver &* nr &* MemoryLayout<V.Scalar>.stride
                    let destination = sliver &* kc &* nr &* MemoryLayout<V.Scalar>.stride
                    for v in 0..<vectors {
                        let offset = v &* MemoryLayout<V>.stride
                        to.storeBytes(of: from.loadUnaligned(fromByteOffset: source &+ offset, as: V.self),
                                      toByteOffset: destination &+ offset, as: V.self)
                    }
                }
            }
        }
        for sliver in wholeSlivers..<slivers {
            let j = columns.lowerBound + sliver * nr
            let width = min(nr, columns.upperBound - j)
            let destination = packed + sliver * kc * nr
            let source = o.b + pc * o.bRowStride + j * o.bColumnStride
            if o.bColumnStride == 1 {
                for p in 0..<kc {
                    let row = destination + p * nr
                    row.update(from: source + p * o.bRowStride, count: width)
                    if width < nr { (row + width).update(repeating: 0, count: nr - width) }
                }
            } else {
                // B transposed in memory: read each column as a run over k.
                for jj in 0..<width {
                    let column = source + jj * o.bColumnStride
                    for p in 0..<kc { destination[p * nr + jj] = column[p * o.bRowStride] }
                }
                if width < nr {
                    for p in 0..<kc { (destination + p * nr + width).update(repeating: 0, count: nr - width) }
                }
            }
        }
    }
}
