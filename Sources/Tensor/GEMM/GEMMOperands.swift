// What a matrix product reads and writes: strided A and B, row-major C, beta and bias.

/// One matrix product `C = beta·C + A·B + bias` with M x K matrix A, K x N matrix B, M x N C.
///
/// A and B are addressed through a row step and a column step each, so a transposed operand
/// is the same memory with the steps swapped: nothing is transposed in memory. C has unit
/// column step. With `beta == 0`, C is written without being read (NaN in C is ignored).
struct GEMMOperands<Scalar: TensorScalar> {
    var m: Int
    var n: Int
    var k: Int
    var a: UnsafePointer<Scalar>
    var aRowStride: Int
    var aColumnStride: Int
    var b: UnsafePointer<Scalar>
    var bRowStride: Int
    var bColumnStride: Int
    var c: UnsafeMutablePointer<Scalar>
    var cRowStride: Int
    var beta: Scalar = 0
    /// N values added to every row of C, or nil.
    var bias: UnsafePointer<Scalar>? = nil

    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}

/// Six row pointers into A (a micro-panel read in place) and the step between k values.
struct MicroPanelA<Scalar> {
    var row0, row1, row2, row3, row4, row5: UnsafePointer<Scalar>
    var columnStride: Int
}

/// `a * b + c`, fused when the build targets a CPU with FMA (see `FloatVector.multiplyAdd`).
@inline(__always)
func fusedMultiplyAdd<V: SIMD>(_ a: V, _ b: V, _ c: V) -> V where V.Scalar: FloatingPoint {
    #if RGFLOW_AVX512 || RGFLOW_AVX2
    return c.addingProduct(a, b)
    #else
    return a * b + c
    #endif
}
