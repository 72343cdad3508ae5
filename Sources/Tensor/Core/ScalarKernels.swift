// The per-type kernel table: generic tensor code calls through it once per operation, and
// every entry is compiled for one concrete scalar and SIMD vector type.

/// The kernels of one scalar type, each specialised for that type's SIMD vectors.
///
/// Generic code outside this module cannot be specialised for Float or Double, so the
/// element loops must not live in generic functions it calls. Each conformance of
/// ``TensorScalar`` builds this table in a concrete context, where the compiler specialises
/// every generic kernel; generic code then pays one indirect call per operation.
/// Its members are internal: the table is an implementation detail.
public struct ScalarKernels<Scalar: TensorScalar>: Sendable {
    let unary: @Sendable (UnaryOperation, StridedLayout, UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
    let binary: @Sendable (BinaryOperation, StridedLayout, UnsafePointer<Scalar>, UnsafePointer<Scalar>,
                           UnsafeMutablePointer<Scalar>) -> Void
    let ternary: @Sendable (TernaryOperation, StridedLayout, UnsafePointer<Scalar>, UnsafePointer<Scalar>,
                            UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
    let select: @Sendable (StridedLayout, UnsafePointer<Scalar>, UnsafePointer<Scalar>, UnsafePointer<Scalar>,
                           UnsafeMutablePointer<Scalar>) -> Void
    let reduceRows: @Sendable (ReductionOperation, _ rows: Int, _ length: Int, _ rowStride: Int,
                               UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
    let reduceColumns: @Sendable (ReductionOperation, _ rows: Int, _ columns: Int, _ rowStride: Int,
                                  UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
    let gemm: @Sendable (GEMMOperands<Scalar>) -> Void
    let scatterAdd: @Sendable (_ rows: Int, _ destinationRowLength: Int, UnsafeBufferPointer<Int32>,
                               UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
    let fillRandom: @Sendable (UnsafeMutablePointer<Scalar>, Int, _ key: UInt64, _ start: UInt64,
                               RandomDistribution) -> Void

    /// Builds the table for elementwise vector type `V` and GEMM vector type `G`, with the
    /// GEMM tile widths (in vectors of `G`) the build's register file allows.
    static func make<V: FloatVector, G: SIMD>(
        vector _: V.Type, gemmVector _: G.Type, gemmVectorCounts: [Int]
    ) -> ScalarKernels where V.Scalar == Scalar, G.Scalar == Scalar {
        ScalarKernels(
            unary: { ElementwiseKernels.unary(V.self, $0, $1, $2, $3) },
            binary: { ElementwiseKernels.binary(V.self, $0, $1, $2, $3, $4) },
            ternary: { ElementwiseKernels.ternary(V.self, $0, $1, $2, $3, $4, $5) },
            select: { ElementwiseKernels.select(V.self, $0, $1, $2, $3, $4) },
            reduceRows: { ReductionKernels.reduceRows(V.self, $0, rows: $1, length: $2, rowStride: $3, $4, $5) },
            reduceColumns: {
                ReductionKernels.reduceColumns(V.self, $0, rows: $1, columns: $2, rowStride: $3, $4, $5)
            },
            gemm: { PackedGEMM.multiply(G.self, $0, allowedVectorCounts: gemmVectorCounts) },
            scatterAdd: { rows, length, table, source, destination in
                IndexKernels.scatterAdd(rows: rows, destinationRowLength: length, table: table,
                                        from: source, to: destination)
            },
            fillRandom: { RandomKernels.fill($0, count: $1, key: $2, start: $3, distribution: $4) }
        )
    }
}
