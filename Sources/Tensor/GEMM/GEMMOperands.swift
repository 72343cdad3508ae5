// The micro-kernel's view of A and the multiply-add it is built from.


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
