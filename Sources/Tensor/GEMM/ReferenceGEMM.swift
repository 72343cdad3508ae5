// The naive triple loop: the oracle the tests hold the fast GEMM to, and its fallback.

/// The textbook matrix product, one dot product per element, k in order.
///
/// Kept permanently (as BLIS keeps its reference kernels): tests compare the packed GEMM
/// against it, and it documents the semantics of ``GEMMOperands`` in twelve lines.
enum ReferenceGEMM {
    static func multiply<Scalar: TensorScalar>(_ operands: GEMMOperands<Scalar>) {
        let o = operands
        for i in 0..<o.m {
            for j in 0..<o.n {
                var sum: Scalar = 0
                for p in 0..<o.k {
                    sum += o.a[i * o.aRowStride + p * o.aColumnStride] * o.b[p * o.bRowStride + j * o.bColumnStride]
                }
                if let bias = o.bias { sum += bias[j] }
                let target = o.c + i * o.cRowStride + j
                target.pointee = o.beta == 0 ? sum : o.beta * target.pointee + sum
            }
        }
    }
}
