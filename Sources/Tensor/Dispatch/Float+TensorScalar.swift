// Float as a tensor element: SIMD16 elementwise, and the GEMM tile for the build's vectors.

extension Float: TensorScalar {
    #if RGFLOW_AVX512
    /// 6 x 64 tiles (or 6 x 48 when N is a multiple of 48): 24 zmm accumulators.
    typealias GEMMVector = SIMD16<Float>
    static let gemmVectorCounts = [4, 3, 2, 1]
    #elseif RGFLOW_AVX2
    /// 6 x 16 tiles: 12 ymm accumulators.
    typealias GEMMVector = SIMD16<Float>
    static let gemmVectorCounts = [1]
    #else
    /// 6 x 8 tiles: 12 xmm accumulators (larger tiles spill on SSE2).
    typealias GEMMVector = SIMD8<Float>
    static let gemmVectorCounts = [1]
    #endif

    /// The Float kernel table.
    public static let kernels = ScalarKernels<Float>.make(
        vector: SIMD16<Float>.self, gemmVector: GEMMVector.self, gemmVectorCounts: gemmVectorCounts)

    /// `"float32"`.
    public static var dtypeName: String { "float32" }
}
