// The coupling subnets' forward pass (Swish, linear, residual average, scale, tanh) computed
// tile by tile: each thread takes a block of rows through every layer while its activations
// are still in cache, instead of each layer making a pass over all rows.
//
// The arithmetic per element is the layer-by-layer pass's (the same lane-wise functions, the
// same GEMM blocking), so the result is the same bit for bit; only the order in which rows
// are visited changes.

/// One Swish + linear pair of a residual block: `y = Swish(x; β) Wᵀ + b`.
struct ResidualLayerOperands<Scalar: TensorScalar> {
    let inputs, outputs: Int
    /// β, `[inputs]`.
    let beta: UnsafePointer<Scalar>
    /// W, `[outputs, inputs]` row-major.
    let weight: UnsafePointer<Scalar>
    /// b, `[outputs]`.
    let bias: UnsafePointer<Scalar>
}

/// A residual network's forward on `[rows, width]`: blocks of layers, each block's output
/// `(x + f(x)) · shortcut`, then `x · gain` and optionally tanh. Where activations are kept,
/// `[rows, n]` buffers receive them (row-major, as the unfused pass's tensors).
struct ResidualForwardOperands<Scalar: TensorScalar> {
    let rows, width: Int
    let input: UnsafePointer<Scalar>
    let output: UnsafeMutablePointer<Scalar>
    /// Layers in order; `blockSizes` says how many belong to each block.
    let layers: [ResidualLayerOperands<Scalar>]
    let blockSizes: [Int]
    let shortcut: Scalar
    /// The final scale, `[width]`.
    let gain: UnsafePointer<Scalar>
    let appliesTanh: Bool
    /// Kept activations, or nil: per layer the Swish input (nil for a block's first layer,
    /// whose input is the block's input) and output, per block after the first its input,
    /// and the last block's output (before the scale).
    let swishInputs: [UnsafeMutablePointer<Scalar>?]?
    let swishOutputs: [UnsafeMutablePointer<Scalar>]?
    let blockInputs: [UnsafeMutablePointer<Scalar>?]?
    let last: UnsafeMutablePointer<Scalar>?

    var flops: Double { layers.reduce(0) { $0 + 2 * Double(rows) * Double($1.inputs) * Double($1.outputs) } }
}

enum ResidualNetworkKernels {
    /// Rows per tile: a multiple of MR (so the GEMM computes every row as the untiled product
    /// does) sized so one tile's activations stay in L2, and small enough that every thread
    /// gets about four tiles (whole tiles split unevenly over threads otherwise: 512 rows in
    /// tiles of 108 left one of two threads 40% more work).
    static func tileRows(rows: Int, widest: Int, scalarBytes: Int, threads: Int) -> Int {
        let mr = PackedGEMM.mr
        let cacheRows = (256 * 1024) / max(1, 3 * widest * scalarBytes)
        let balancedRows = (rows + 4 * threads - 1) / (4 * threads)
        let chosen = min(cacheRows, balancedRows, 192)
        return max(2, (chosen + mr - 1) / mr) * mr
    }

    static func forward<V: FloatVector, G: SIMD>(
        _: V.Type, _: G.Type, _ o: ResidualForwardOperands<V.Scalar>, allowedVectorCounts: [Int]
    ) where G.Scalar == V.Scalar {
        typealias Scalar = V.Scalar
        guard o.rows > 0 else { return }
        // Bᵀ of every layer packed once, shared read-only by all tiles and threads.
        let packed = o.layers.map {
            PackedGEMM.prepack(G.self, b: $0.weight, bRowStride: 1, bColumnStride: $0.inputs, k: $0.inputs, n: $0.outputs,
                               allowedVectorCounts: allowedVectorCounts)
        }
        defer { packed.forEach { $0.release() } }
        let widest = o.layers.reduce(o.width) { max($0, $1.inputs, $1.outputs) }
        let tile = tileRows(rows: o.rows, widest: widest, scalarBytes: MemoryLayout<Scalar>.stride,
                            threads: Parallelism.threadCount)
        let tiles = (o.rows + tile - 1) / tile
        let minimumTiles = o.flops < PackedGEMM.parallelFlopThreshold ? tiles : 1
        Parallelism.forEachChunk(of: tiles, minimumChunk: minimumTiles) { range in
            // Per thread: two x buffers (ping-pong), the Swish output and the linear output.
            BufferPool.withScratch(Scalar.self, count: tile * (2 * o.width + 2 * widest)) { scratch in
                let buffers = TileBuffers(x: (scratch, scratch + tile * o.width), swish: scratch + 2 * tile * o.width,
                                          linear: scratch + 2 * tile * o.width + tile * widest)
                for index in range {
                    let start = index * tile
                    forwardTile(V.self, G.self, o, packed, rows: start..<min(o.rows, start + tile), buffers)
                }
            }
        }
    }

    private struct TileBuffers<Scalar> {
        let x: (UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>)
        let swish, linear: UnsafeMutablePointer<Scalar>
    }

    private static func forwardTile<V: FloatVector, G: SIMD>(
        _: V.Type, _: G.Type, _ o: ResidualForwardOperands<V.Scalar>, _ packed: [PackedGEMM.PrepackedB<V.Scalar>],
        rows: Range<Int>, _ buffers: TileBuffers<V.Scalar>
    ) where G.Scalar == V.Scalar {
        let n = rows.count, first = rows.lowerBound
        var x = o.input + first * o.width
        var xBuffer = 0
        var layer = 0
        for (block, size) in o.blockSizes.enumerated() {
            var a = x
            for pair in 0..<size {
                let l = o.layers[layer]
                let activated = o.swishOutputs.map { $0[layer] + first * l.inputs } ?? buffers.swish
                swish(V.self, a, beta: l.beta, rows: n, columns: l.inputs, into: activated)
                // A non-final layer's output is the next Swish's input, kept when asked.
                let kept = pair + 1 < size ? o.swishInputs?[layer + 1] : nil
                let product = kept.map { $0 + first * l.outputs } ?? buffers.linear
                PackedGEMM.multiplyPrepacked(G.self, a: activated, aRowStride: l.inputs, m: n, b: packed[layer],
                                             c: product, cRowStride: l.outputs, bias: l.bias)
                a = UnsafePointer(product)
                layer += 1
            }
            let isLast = block + 1 == o.blockSizes.count
            let keptOutput = isLast ? o.last : o.blockInputs?[block + 1]
            let next = keptOutput.map { $0 + first * o.width } ?? (xBuffer == 0 ? buffers.x.0 : buffers.x.1)
            xBuffer = 1 - xBuffer
            residualAverage(V.self, x, a, shortcut: o.shortcut, count: n * o.width, into: next)
            x = UnsafePointer(next)
        }
        scale(V.self, x, gain: o.gain, rows: n, columns: o.width, tanh: o.appliesTanh, into: o.output + first * o.width)
    }

    // The loops below run whole vectors first and one partial vector last, as
    // `ElementwiseKernels.binaryMap` does: a lane count decided per vector made the compiler
    // scalarise the whole body (measured: the Swish took half of a subnet's time).

    /// `x · σ(β x)` on `[rows, columns]` with β per column (``SwishFunction``).
    private static func swish<V: FloatVector>(
        _: V.Type, _ x: UnsafePointer<V.Scalar>, beta: UnsafePointer<V.Scalar>, rows: Int, columns: Int,
        into y: UnsafeMutablePointer<V.Scalar>
    ) {
        columnMap(V.self, SwishFunction.self, IdentityFunction.self, x, beta, rows: rows, columns: columns, into: y)
    }

    /// `(x + a) · shortcut`, the residual block's output (as ``AddFunction`` then ``MultiplyFunction``).
    private static func residualAverage<V: FloatVector>(
        _: V.Type, _ x: UnsafePointer<V.Scalar>, _ a: UnsafePointer<V.Scalar>, shortcut: V.Scalar, count: Int,
        into y: UnsafeMutablePointer<V.Scalar>
    ) {
        let width = V.scalarCount, factor = V(repeating: shortcut)
        var index = 0
        while index + width <= count {
            MultiplyFunction.apply(AddFunction.apply(V.loadUnaligned(x + index), V.loadUnaligned(a + index)), factor)
                .store(to: y + index)
            index += width
        }
        if index < count {
            let lanes = count - index
            MultiplyFunction.apply(AddFunction.apply(V.loadPartial(x + index, count: lanes, stride: 1, fill: 1),
                                                     V.loadPartial(a + index, count: lanes, stride: 1, fill: 1)), factor)
                .storePartial(to: y + index, count: lanes, stride: 1)
        }
    }

    /// `x · gain` with gain per column, then tanh when asked.
    private static func scale<V: FloatVector>(
        _: V.Type, _ x: UnsafePointer<V.Scalar>, gain: UnsafePointer<V.Scalar>, rows: Int, columns: Int, tanh: Bool,
        into y: UnsafeMutablePointer<V.Scalar>
    ) {
        if tanh { columnMap(V.self, MultiplyFunction.self, TanhFunction.self, x, gain, rows: rows, columns: columns, into: y) }
        else { columnMap(V.self, MultiplyFunction.self, IdentityFunction.self, x, gain, rows: rows, columns: columns, into: y) }
    }

    /// `F(B(x, c))` on `[rows, columns]` with `c` a vector of one value per column.
    private static func columnMap<V: FloatVector, B: BinaryFunction, F: UnaryFunction>(
        _: V.Type, _: B.Type, _: F.Type, _ x: UnsafePointer<V.Scalar>, _ perColumn: UnsafePointer<V.Scalar>,
        rows: Int, columns: Int, into y: UnsafeMutablePointer<V.Scalar>
    ) {
        let width = V.scalarCount
        for row in 0..<rows {
            let input = x + row * columns, output = y + row * columns
            var column = 0
            while column + width <= columns {
                F.apply(B.apply(V.loadUnaligned(input + column), V.loadUnaligned(perColumn + column)))
                    .store(to: output + column)
                column += width
            }
            if column < columns {
                let lanes = columns - column
                F.apply(B.apply(V.loadPartial(input + column, count: lanes, stride: 1, fill: 1),
                                V.loadPartial(perColumn + column, count: lanes, stride: 1, fill: 1)))
                    .storePartial(to: output + column, count: lanes, stride: 1)
            }
        }
    }
}

/// The identity, for the maps that end with their binary function (Swish, the t networks' scale).
private enum IdentityFunction: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { x } }
