// Matrix products, 2-D and batched, with transposes read in place, beta and a fused bias.

extension Tensor {
    /// The matrix product `A·B` of `[m, k]` and `[k, n]` (or batched `[batch, m, k]` and
    /// `[batch, k, n]`, a 2-D operand being shared by every batch), with optional transposes
    /// read through strides (nothing is copied) and a `[n]` bias added to every row.
    ///
    /// - Parameters:
    ///   - a: `[m, k]`, or `[k, m]` when `transposingA`.
    ///   - b: `[k, n]`, or `[n, k]` when `transposingB`.
    ///   - bias: `[n]`, added to every row of the product, or nil.
    /// - Returns: `[m, n]` (or `[batch, m, n]`).
    public static func matmul(_ a: Tensor, _ b: Tensor, transposingA: Bool = false, transposingB: Bool = false,
                              bias: Tensor? = nil) -> Tensor {
        let left = transposingA ? a.transposed() : a
        let right = transposingB ? b.transposed() : b
        precondition(left.rank >= 2 && left.rank <= 3 && right.rank >= 2 && right.rank <= 3,
                     "matmul: operands must have rank 2 or 3, got \(left.shape) and \(right.shape)")
        let m = left.shape[left.rank - 2], k = left.shape[left.rank - 1]
        let n = right.shape[right.rank - 1]
        precondition(right.shape[right.rank - 2] == k,
                     "matmul: inner dimensions differ: \(left.shape) · \(right.shape)")
        let batch = Swift.max(left.rank == 3 ? left.shape[0] : 1, right.rank == 3 ? right.shape[0] : 1)
        if left.rank == 3 && right.rank == 3 {
            precondition(left.shape[0] == right.shape[0], "matmul: batch sizes differ: \(left.shape) · \(right.shape)")
        }
        let batched = left.rank == 3 || right.rank == 3
        var result = Tensor(uninitializedShape: batched ? [batch, m, n] : [m, n])
        multiply(left, right, into: &result, beta: 0, bias: bias)
        return result
    }

    /// `C = beta·C + A·B + bias` into an existing `[m, n]` (or `[batch, m, n]`) tensor: with
    /// `beta = 1` a product accumulates into C (as for gradients); with `beta = 0` C's old
    /// contents are ignored, even NaN.
    public static func multiply(_ a: Tensor, _ b: Tensor, into c: inout Tensor, beta: Scalar = 0,
                                bias: Tensor? = nil) {
        let batched = c.rank == 3
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        precondition(b.shape[b.rank - 2] == k, "matmul: inner dimensions differ: \(a.shape) · \(b.shape)")
        let batch = batched ? c.shape[0] : 1
        precondition(c.shape == (batched ? [batch, m, n] : [m, n]),
                     "matmul: output shape \(c.shape) does not fit \(a.shape) · \(b.shape)")
        if let bias { precondition(bias.shape == [n], "matmul: bias shape \(bias.shape) is not [\(n)]") }
        c.makeUniqueContiguous()
        let biasDense = bias?.contiguous()
        for index in 0..<batch {
            let aMatrix = a.rank == 3 ? a.batchMatrix(index) : a
            let bMatrix = b.rank == 3 ? b.batchMatrix(index) : b
            let cOffset = batched ? index * m * n : 0
            withExtendedLifetime((aMatrix, bMatrix, biasDense)) {
                let operands = GEMMOperands<Scalar>(
                    m: m, n: n, k: k,
                    a: UnsafePointer(aMatrix.basePointer), aRowStride: aMatrix.strides[0], aColumnStride: aMatrix.strides[1],
                    b: UnsafePointer(bMatrix.basePointer), bRowStride: bMatrix.strides[0], bColumnStride: bMatrix.strides[1],
                    c: c.basePointer + cOffset, cRowStride: n, beta: beta,
                    bias: biasDense.map { UnsafePointer($0.basePointer) })
                Scalar.kernels.gemm(operands)
            }
        }
    }

    private func batchMatrix(_ index: Int) -> Tensor {
        Tensor(storage: storage, shape: [shape[1], shape[2]], strides: [strides[1], strides[2]],
               offset: offset + index * strides[0])
    }

    /// `self · other` for matrices (see ``matmul(_:_:transposingA:transposingB:bias:)``).
    public func matmul(_ other: Tensor) -> Tensor { Tensor.matmul(self, other) }
}

/// The naive matrix product, kept as the oracle the fast GEMM is tested against.
///
/// - Parameters: as ``Tensor/matmul(_:_:transposingA:transposingB:bias:)`` for 2-D operands.
public func referenceMatmul<Scalar: TensorScalar>(
    _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, bias: Tensor<Scalar>? = nil
) -> Tensor<Scalar> {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[0],
                 "referenceMatmul: shapes \(a.shape) and \(b.shape) do not multiply")
    let result = Tensor<Scalar>(uninitializedShape: [a.shape[0], b.shape[1]])
    let biasDense = bias?.contiguous()
    withExtendedLifetime((a, b, biasDense)) {
        ReferenceGEMM.multiply(GEMMOperands<Scalar>(
            m: a.shape[0], n: b.shape[1], k: a.shape[1],
            a: UnsafePointer(a.basePointer), aRowStride: a.strides[0], aColumnStride: a.strides[1],
            b: UnsafePointer(b.basePointer), bRowStride: b.strides[0], bColumnStride: b.strides[1],
            c: result.basePointer, cRowStride: b.shape[1], beta: 0,
            bias: biasDense.map { UnsafePointer($0.basePointer) }))
    }
    return result
}
