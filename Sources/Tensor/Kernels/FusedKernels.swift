// Fused passes over [rows, columns] activations for the residual subnets' backward: each
// computes a gradient and the column sums that go with it in one read of its inputs.
//
// Column sums use the column-reduction tree of ReductionKernels (rows summed in blocks of
// `rowBlock`, blocks paired up), with per-block partial sums, so results never depend on the
// thread count and equal the unfused kernels' bit for bit.

enum FusedKernels {
    /// Swish's backward on contiguous `[rows, columns]` g and x with β `[columns]`:
    ///
    ///     dx = g (σ + βx σ(1 - σ)) (+ residual),  dβ_j = Σ_i g x² σ(1 - σ),  σ = σ(βx),
    ///
    /// and, when `dxSums` is given, Σ_i dx_ij (the bias gradient of the layer before).
    static func swishBackward<V: FloatVector>(
        _: V.Type, rows: Int, columns: Int, g: UnsafePointer<V.Scalar>, x: UnsafePointer<V.Scalar>,
        beta: UnsafePointer<V.Scalar>, residual: UnsafePointer<V.Scalar>?, dx: UnsafeMutablePointer<V.Scalar>,
        dbeta: UnsafeMutablePointer<V.Scalar>, dxSums: UnsafeMutablePointer<V.Scalar>?
    ) {
        columnSums(rows: rows, columns: columns, into: dbeta, dxSums,
                   SwishBackwardElement<V>(columns: columns, g: g, x: x, beta: beta, residual: residual, dx: dx))
    }

    /// The backward of `y = tanh(x g)` (or `y = x g` without tanh) on `[rows, columns]` with
    /// g `[columns]`, from the output `y`:
    ///
    ///     t = upstream (1 - y²) (or upstream),  dx = t g,  dg_j = Σ_i t x.
    static func scaleBackward<V: FloatVector>(
        _: V.Type, rows: Int, columns: Int, upstream: UnsafePointer<V.Scalar>, x: UnsafePointer<V.Scalar>,
        output: UnsafePointer<V.Scalar>, scale: UnsafePointer<V.Scalar>, appliesTanh: Bool,
        dx: UnsafeMutablePointer<V.Scalar>, dscale: UnsafeMutablePointer<V.Scalar>
    ) {
        columnSums(rows: rows, columns: columns, into: dscale, nil,
                   ScaleBackwardElement<V>(columns: columns, upstream: upstream, x: x, output: output, scale: scale,
                                           appliesTanh: appliesTanh, dx: dx))
    }

    // MARK: - Shared loops

    /// Runs `element.values(row:column:lanes:)` over `[rows, columns]` row by row (rows split over
    /// threads in blocks of `ReductionKernels.rowBlock`) and sums its two results per column
    /// into `first` and `second` with the column-reduction tree: each block's rows summed in
    /// order from zero, blocks combined pairwise. The same tree as `ReductionKernels
    /// .reduceColumns`, so the sums equal a separate reduction bit for bit whatever the thread
    /// count.
    static func columnSums<E: ColumnSumElement>(
        rows: Int, columns: Int, into first: UnsafeMutablePointer<E.V.Scalar>,
        _ second: UnsafeMutablePointer<E.V.Scalar>?, _ element: E
    ) {
        typealias V = E.V
        let block = ReductionKernels.rowBlock
        let blocks = max(1, (rows + block - 1) / block)
        BufferPool.withScratch(V.Scalar.self, count: 2 * blocks * columns) { partial in
            let firstPartial = partial, secondPartial = partial + blocks * columns
            Parallelism.forEachChunk(of: blocks, minimumChunk: max(1, (1 << 14) / max(block * columns, 1))) { range in
                for index in range {
                    // Rows outside, accumulating into the block's partial sums (in L1): rows are
                    // read in memory order. Walking each column chunk down the block's rows
                    // instead missed L1 on every row once the block's inputs passed its 32 KiB
                    // (measured: a third of Swish's backward on a load). Each column's sum is
                    // still its rows in order from zero.
                    let a = firstPartial + index * columns, b = secondPartial + index * columns
                    a.update(repeating: 0, count: columns)
                    if second != nil { b.update(repeating: 0, count: columns) }
                    for row in (index * block)..<min(rows, (index + 1) * block) {
                        let sums = ColumnSumAccumulation(element: element, first: a, second: second == nil ? nil : b)
                        forEachVector(of: row, columns: columns, sums)
                    }
                }
            }
            for column in stride(from: 0, to: columns, by: V.scalarCount) {
                let lanes = min(V.scalarCount, columns - column)
                store(pairwise(V.self, firstPartial + column, columns, 0..<blocks, lanes), first + column, lanes)
                if let second { store(pairwise(V.self, secondPartial + column, columns, 0..<blocks, lanes), second + column, lanes) }
            }
        }
    }

    /// The pairwise tree over block partials (`stride` apart), split as `columnTree` splits rows.
    static func pairwise<V: FloatVector>(_: V.Type, _ values: UnsafePointer<V.Scalar>, _ stride: Int, _ blocks: Range<Int>,
                                         _ lanes: Int) -> V {
        if blocks.count == 1 { return load(values + blocks.lowerBound * stride, lanes) }
        let middle = blocks.lowerBound + blocks.count / 2
        return pairwise(V.self, values, stride, blocks.lowerBound..<middle, lanes)
            + pairwise(V.self, values, stride, middle..<blocks.upperBound, lanes)
    }

    @inline(__always)
    static func load<V: FloatVector>(_ pointer: UnsafePointer<V.Scalar>, _ lanes: Int) -> V {
        lanes == V.scalarCount ? V.loadUnaligned(pointer) : V.loadPartial(pointer, count: lanes, stride: 1, fill: 0)
    }

    @inline(__always)
    static func load<V: FloatVector>(_ pointer: UnsafeMutablePointer<V.Scalar>, _ lanes: Int) -> V {
        load(UnsafePointer(pointer), lanes)
    }

    @inline(__always)
    static func store<V: FloatVector>(_ vector: V, _ pointer: UnsafeMutablePointer<V.Scalar>, _ lanes: Int) {
        if lanes == V.scalarCount { vector.store(to: pointer) } else { vector.storePartial(to: pointer, count: lanes, stride: 1) }
    }
}

extension FusedKernels {
    /// One affine coupling half-step on contiguous `[rows, columns]` x, s, t with the 0/1
    /// conditioning mask `[columns]`: where the mask is 1 the value passes, elsewhere
    ///
    ///     y = x e^s + t          (forward)      y = (x - t) e^(-s)     (inverse).
    static func affineCoupling<V: FloatVector>(
        _: V.Type, rows: Int, columns: Int, x: UnsafePointer<V.Scalar>, s: UnsafePointer<V.Scalar>,
        t: UnsafePointer<V.Scalar>, mask: UnsafePointer<V.Scalar>, inverting: Bool, output: UnsafeMutablePointer<V.Scalar>
    ) {
        let element = AffineCouplingElement<V>(columns: columns, x: x, s: s, t: t, mask: mask, inverting: inverting,
                                               output: output)
        forEachRowChunk(rows: rows, columns: columns) { row in forEachVector(of: row, columns: columns, element) }
    }

    /// The half-step's backward from upstream g: where the mask is 1, dx = g and ds = dt = 0;
    /// elsewhere, forward: dx = g e^s, ds = g x e^s, dt = g; inverse: with u = e^(-s),
    /// dx = g u, ds = -g (x - t) u, dt = -g u.
    static func affineCouplingBackward<V: FloatVector>(
        _: V.Type, rows: Int, columns: Int, g: UnsafePointer<V.Scalar>, x: UnsafePointer<V.Scalar>,
        s: UnsafePointer<V.Scalar>, t: UnsafePointer<V.Scalar>, mask: UnsafePointer<V.Scalar>, inverting: Bool,
        dx: UnsafeMutablePointer<V.Scalar>, ds: UnsafeMutablePointer<V.Scalar>, dt: UnsafeMutablePointer<V.Scalar>
    ) {
        let element = AffineCouplingBackwardElement<V>(columns: columns, g: g, x: x, s: s, t: t, mask: mask,
                                                       inverting: inverting, dx: dx, ds: ds, dt: dt)
        forEachRowChunk(rows: rows, columns: columns) { row in forEachVector(of: row, columns: columns, element) }
    }

    /// Runs `element` on every vector of `row`: whole vectors, then one partial vector. Two
    /// inlined calls, so the whole-vector one sees `lanes` as the constant vector width and
    /// its loads and stores are plain vector ones; a lane count that could vary per vector
    /// made the compiler scalarise the body (measured on the Swish and the couplings). A
    /// closure in place of the element type is not inlined twice, which undid this.
    @inline(__always)
    static func forEachVector<E: RowVectorElement>(of row: Int, columns: Int, _ element: E) {
        let width = E.V.scalarCount
        var column = 0
        while column + width <= columns {
            element.apply(row: row, column: column, lanes: width)
            column += width
        }
        if column < columns { element.apply(row: row, column: column, lanes: columns - column) }
    }

    /// Runs `body(row)` for every row, rows split over threads in contiguous chunks.
    @inline(__always)
    static func forEachRowChunk(rows: Int, columns: Int, _ body: (Int) -> Void) {
        Parallelism.forEachChunk(of: rows, minimumChunk: max(1, (1 << 15) / max(columns, 1))) { range in
            for row in range { body(row) }
        }
    }
}

/// One vector of a row-by-row pass (``FusedKernels/forEachVector(of:columns:_:)``). A type
/// rather than a closure, so the loop is specialised for it and the body inlined at each call.
protocol RowVectorElement {
    associatedtype V: FloatVector
    func apply(row: Int, column: Int, lanes: Int)
}

/// Adds one row's two column-sum values to the running sums of its block.
struct ColumnSumAccumulation<E: ColumnSumElement>: RowVectorElement {
    typealias V = E.V
    let element: E
    let first: UnsafeMutablePointer<V.Scalar>
    let second: UnsafeMutablePointer<V.Scalar>?

    @inline(__always)
    func apply(row: Int, column: Int, lanes: Int) {
        let (u, w) = element.values(row: row, column: column, lanes: lanes)
        FusedKernels.store(FusedKernels.load(first + column, lanes) + u, first + column, lanes)
        if let second { FusedKernels.store(FusedKernels.load(second + column, lanes) + w, second + column, lanes) }
    }
}

/// The affine coupling half-step (see ``FusedKernels/affineCoupling(_:rows:columns:x:s:t:mask:inverting:output:)``).
struct AffineCouplingElement<V: FloatVector>: RowVectorElement {
    let columns: Int
    let x, s, t, mask: UnsafePointer<V.Scalar>
    let inverting: Bool
    let output: UnsafeMutablePointer<V.Scalar>

    @inline(__always)
    func apply(row: Int, column: Int, lanes: Int) {
        let offset = row * columns + column, zero = V(repeating: 0)
        let xv: V = FusedKernels.load(x + offset, lanes), sv: V = FusedKernels.load(s + offset, lanes)
        let tv: V = FusedKernels.load(t + offset, lanes)
        let held = V.isNotEqual(FusedKernels.load(mask + column, lanes) as V, zero)
        let moved = inverting ? (xv - tv) * V.exp(zero - sv) : xv * V.exp(sv) + tv
        FusedKernels.store(moved.blending(xv, where: held), output + offset, lanes)
    }
}

/// The half-step's backward (see ``FusedKernels/affineCouplingBackward(_:rows:columns:g:x:s:t:mask:inverting:dx:ds:dt:)``).
struct AffineCouplingBackwardElement<V: FloatVector>: RowVectorElement {
    let columns: Int
    let g, x, s, t, mask: UnsafePointer<V.Scalar>
    let inverting: Bool
    let dx, ds, dt: UnsafeMutablePointer<V.Scalar>

    @inline(__always)
    func apply(row: Int, column: Int, lanes: Int) {
        let offset = row * columns + column, zero = V(repeating: 0)
        let gv: V = FusedKernels.load(g + offset, lanes), xv: V = FusedKernels.load(x + offset, lanes)
        let sv: V = FusedKernels.load(s + offset, lanes)
        let held = V.isNotEqual(FusedKernels.load(mask + column, lanes) as V, zero)
        let dxv: V, dsv: V, dtv: V
        if inverting {
            let u = V.exp(zero - sv), tv: V = FusedKernels.load(t + offset, lanes)
            dxv = gv * u
            dsv = zero - gv * (xv - tv) * u
            dtv = zero - gv * u
        } else {
            let e = V.exp(sv)
            dxv = gv * e
            dsv = gv * xv * e
            dtv = gv
        }
        FusedKernels.store(dxv.blending(gv, where: held), dx + offset, lanes)
        FusedKernels.store(dsv.blending(zero, where: held), ds + offset, lanes)
        FusedKernels.store(dtv.blending(zero, where: held), dt + offset, lanes)
    }
}

/// One vector of a fused column-sum pass: computes and stores its element-wise outputs and
/// returns the two values summed per column. A type rather than a closure, so the loop is
/// specialised for it and the body inlined even inside a Dispatch closure.
protocol ColumnSumElement {
    associatedtype V: FloatVector
    func values(row: Int, column: Int, lanes: Int) -> (V, V)
}

/// Swish's backward (see ``FusedKernels/swishBackward(_:rows:columns:g:x:beta:residual:dx:dbeta:dxSums:)``).
struct SwishBackwardElement<V: FloatVector>: ColumnSumElement {
    let columns: Int
    let g, x, beta: UnsafePointer<V.Scalar>
    let residual: UnsafePointer<V.Scalar>?
    let dx: UnsafeMutablePointer<V.Scalar>

    @inline(__always)
    func values(row: Int, column: Int, lanes: Int) -> (V, V) {
        let offset = row * columns + column
        let b: V = FusedKernels.load(beta + column, lanes), gv: V = FusedKernels.load(g + offset, lanes)
        let xv: V = FusedKernels.load(x + offset, lanes)
        // The same expressions as SwishInputGradientFunction and SwishBetaGradientFunction.
        let s = V.sigmoid(b * xv)
        var input = gv * (s + b * xv * s * (1 - s))
        if let residual { input = input + (FusedKernels.load(residual + offset, lanes) as V) }
        FusedKernels.store(input, dx + offset, lanes)
        return (gv * xv * xv * s * (1 - s), input)
    }
}

/// The scale-and-tanh backward (see ``FusedKernels/scaleBackward(_:rows:columns:upstream:x:output:scale:appliesTanh:dx:dscale:)``).
struct ScaleBackwardElement<V: FloatVector>: ColumnSumElement {
    let columns: Int
    let upstream, x, output, scale: UnsafePointer<V.Scalar>
    let appliesTanh: Bool
    let dx: UnsafeMutablePointer<V.Scalar>

    @inline(__always)
    func values(row: Int, column: Int, lanes: Int) -> (V, V) {
        let offset = row * columns + column
        var t: V = FusedKernels.load(upstream + offset, lanes)
        if appliesTanh {
            let y: V = FusedKernels.load(output + offset, lanes)
            t = t * (1 - y * y)
        }
        FusedKernels.store(t * (FusedKernels.load(scale + column, lanes) as V), dx + offset, lanes)
        return (t * (FusedKernels.load(x + offset, lanes) as V), V(repeating: 0))
    }
}
