// Double as a tensor element: SIMD8 elementwise, and the GEMM tile for the build's vectors.

extension Double: TensorScalar {
    #if RGFLOW_AVX512
    /// 6 x 32 tiles (or 6 x 24 when N is a multiple of 24): 24 zmm accumulators.
    typealias GEMMVector = SIMD8<Double>
    static let gemmVectorCounts = [4, 3, 2, 1]
    #elseif RGFLOW_AVX2
    /// 6 x 8 tiles: 12 ymm accumulators.
    typealias GEMMVector = SIMD8<Double>
    static let gemmVectorCounts = [1]
    #else
    /// 6 x 4 tiles: 12 xmm accumulators.
    typealias GEMMVector = SIMD4<Double>
    static let gemmVectorCounts = [1]
    #endif

    /// The Double kernel table.
    public static let kernels = ScalarKernels<Double>.make(
        vector: SIMD8<Double>.self, gemmVector: GEMMVector.self, gemmVectorCounts: gemmVectorCounts)

    /// `"float64"`.
    public static var dtypeName: String { "float64" }
}
