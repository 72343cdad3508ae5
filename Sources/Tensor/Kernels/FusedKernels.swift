// Fused passes over [rows, columns] activations for the residual subnets' backward: each
// computes a gradient and the column sums that go with it in one read of its inputs.
//
// Column sums use the column-reduction tree of ReductionKernels (rows summed in blocks of
// `rowBlock`, blocks paired up), and the work is split over column chunks only, so results
// never depend on the thread count and equal the unfused kernels' bit for bit.

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
        forEachColumnChunk(V.self, rows: rows, columns: columns) { column, lanes in
            let b = lanes == V.scalarCount ? V.loadUnaligned(beta + column)
                : V.loadPartial(beta + column, count: lanes, stride: 1, fill: 0)
            let (betaSum, dxSum) = tree(rows: 0..<rows, V.self) { row in
                let offset = row * columns + column
                let gv: V = load(g + offset, lanes), xv: V = load(x + offset, lanes)
                // The same expressions as SwishInputGradientFunction and SwishBetaGradientFunction.
                let s = V.sigmoid(b * xv)
                var input = gv * (s + b * xv * s * (1 - s))
                if let residual { input = input + (load(residual + offset, lanes) as V) }
                store(input, dx + offset, lanes)
                return (gv * xv * xv * s * (1 - s), input)
            }
            store(betaSum, dbeta + column, lanes)
            if let dxSums { store(dxSum, dxSums + column, lanes) }
        }
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
        forEachColumnChunk(V.self, rows: rows, columns: columns) { column, lanes in
            let gv = lanes == V.scalarCount ? V.loadUnaligned(scale + column)
                : V.loadPartial(scale + column, count: lanes, stride: 1, fill: 0)
            let (scaleSum, _) = tree(rows: 0..<rows, V.self) { row in
                let offset = row * columns + column
                var t: V = load(upstream + offset, lanes)
                if appliesTanh {
                    let y: V = load(output + offset, lanes)
                    t = t * (1 - y * y)
                }
                store(t * gv, dx + offset, lanes)
                return (t * (load(x + offset, lanes) as V), V(repeating: 0))
            }
            store(scaleSum, dscale + column, lanes)
        }
    }

    // MARK: - Shared loops

    /// Runs `body(firstColumn, lanes)` for every chunk of one vector's width, split over threads.
    @inline(__always)
    static func forEachColumnChunk<V: FloatVector>(_: V.Type, rows: Int, columns: Int, _ body: (Int, Int) -> Void) {
        let width = V.scalarCount
        let chunks = (columns + width - 1) / width
        Parallelism.forEachChunk(of: chunks, minimumChunk: max(1, (1 << 15) / max(rows * width, 1))) { range in
            for chunk in range {
                let column = chunk * width
                body(column, min(width, columns - column))
            }
        }
    }

    /// Sums `element(row)`'s two vectors over `rows` with the column-reduction tree: blocks of
    /// `ReductionKernels.rowBlock` rows summed in order from zero, blocks combined pairwise.
    @inline(__always)
    static func tree<V: FloatVector>(rows: Range<Int>, _: V.Type, _ element: (Int) -> (V, V)) -> (V, V) {
        if rows.count <= ReductionKernels.rowBlock {
            var first = V(repeating: 0), second = V(repeating: 0)
            for row in rows {
                let (a, b) = element(row)
                first = first + a
                second = second + b
            }
            return (first, second)
        }
        let blocks = (rows.count + ReductionKernels.rowBlock - 1) / ReductionKernels.rowBlock
        let middle = rows.lowerBound + (blocks / 2) * ReductionKernels.rowBlock
        let left = tree(rows: rows.lowerBound..<middle, V.self, element)
        let right = tree(rows: middle..<rows.upperBound, V.self, element)
        return (left.0 + right.0, left.1 + right.1)
    }

    @inline(__always)
    static func load<V: FloatVector>(_ pointer: UnsafePointer<V.Scalar>, _ lanes: Int) -> V {
        lanes == V.scalarCount ? V.loadUnaligned(pointer) : V.loadPartial(pointer, count: lanes, stride: 1, fill: 0)
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
        forEachRowChunk(rows: rows, columns: columns) { row in
            var column = 0
            while column < columns {
                let lanes = min(V.scalarCount, columns - column), offset = row * columns + column
                let xv: V = load(x + offset, lanes), sv: V = load(s + offset, lanes), tv: V = load(t + offset, lanes)
                let held = V.isNotEqual(load(mask + column, lanes) as V, V(repeating: 0))
                let moved = inverting ? (xv - tv) * V.exp(V(repeating: 0) - sv) : xv * V.exp(sv) + tv
                store(moved.replacing(with: xv, where: held), output + offset, lanes)
                column += lanes
            }
        }
    }

    /// The half-step's backward from upstream g: where the mask is 1, dx = g and ds = dt = 0;
    /// elsewhere, forward: dx = g e^s, ds = g x e^s, dt = g; inverse: with u = e^(-s),
    /// dx = g u, ds = -g (x - t) u, dt = -g u.
    static func affineCouplingBackward<V: FloatVector>(
        _: V.Type, rows: Int, columns: Int, g: UnsafePointer<V.Scalar>, x: UnsafePointer<V.Scalar>,
        s: UnsafePointer<V.Scalar>, t: UnsafePointer<V.Scalar>, mask: UnsafePointer<V.Scalar>, inverting: Bool,
        dx: UnsafeMutablePointer<V.Scalar>, ds: UnsafeMutablePointer<V.Scalar>, dt: UnsafeMutablePointer<V.Scalar>
    ) {
        let zero = V(repeating: 0)
        forEachRowChunk(rows: rows, columns: columns) { row in
            var column = 0
            while column < columns {
                let lanes = min(V.scalarCount, columns - column), offset = row * columns + column
                let gv: V = load(g + offset, lanes), xv: V = load(x + offset, lanes), sv: V = load(s + offset, lanes)
                let held = V.isNotEqual(load(mask + column, lanes) as V, zero)
                let dxv: V, dsv: V, dtv: V
                if inverting {
                    let u = V.exp(zero - sv), tv: V = load(t + offset, lanes)
                    dxv = gv * u
                    dsv = zero - gv * (xv - tv) * u
                    dtv = zero - gv * u
                } else {
                    let e = V.exp(sv)
                    dxv = gv * e
                    dsv = gv * xv * e
                    dtv = gv
                }
                store(dxv.replacing(with: gv, where: held), dx + offset, lanes)
                store(dsv.replacing(with: zero, where: held), ds + offset, lanes)
                store(dtv.replacing(with: zero, where: held), dt + offset, lanes)
                column += lanes
            }
        }
    }

    /// Runs `body(row)` for every row, rows split over threads in contiguous chunks.
    @inline(__always)
    static func forEachRowChunk(rows: Int, columns: Int, _ body: (Int) -> Void) {
        Parallelism.forEachChunk(of: rows, minimumChunk: max(1, (1 << 15) / max(columns, 1))) { range in
            for row in range { body(row) }
        }
    }
}
