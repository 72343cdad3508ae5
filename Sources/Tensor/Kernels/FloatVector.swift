// The SIMD vector each scalar type computes with, and the fused multiply-add choice.

/// The SIMD vector the kernels of one scalar type work on: `SIMD16<Float>` or `SIMD8<Double>`
/// (one AVX-512 register; two AVX2 or four SSE registers otherwise).
///
/// Each conformance supplies `exp` and `log`; the other transcendental functions are built
/// from them generically in `VectorMath.swift`.
protocol FloatVector: SIMD where Scalar: TensorScalar {
    /// e^x lane by lane; see `VectorMath.swift` for the error bounds.
    static func exp(_ x: Self) -> Self
    /// Natural logarithm lane by lane (NaN below 0, -inf at 0).
    static func log(_ x: Self) -> Self
    /// The Taylor series of e^x - 1 to the degree this precision needs (for |x| below
    /// ``expm1SeriesLimit``), with literal coefficients.
    static func expm1Series(_ x: Self) -> Self
    /// |x| below which expm1 uses its series instead of exp(x) - 1.
    static var expm1SeriesLimit: Scalar { get }

    // Lane comparisons, implemented by each conformance: in generic code `.<` resolves to the
    // generic SIMD extension (a per-lane loop LLVM does not always vectorise: measured 30x
    // slower inside Swish); in a concrete extension it is one vector compare.
    static func isLess(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage>
    static func isLessOrEqual(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage>
    static func isEqual(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage>
    static func isNotEqual(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage>
}

extension FloatVector {
    /// `self * b + c`, fused when the build targets a CPU with FMA.
    ///
    /// Without FMA in the target, `addingProduct` becomes one libm `fma` call per lane
    /// (PERFORMANCE.md §3), so portable builds multiply and add separately.
    @inline(__always)
    func multiplyAdd(_ b: Self, _ c: Self) -> Self {
        #if RGFLOW_AVX512 || RGFLOW_AVX2
        return c.addingProduct(self, b)
        #else
        return self * b + c
        #endif
    }

    /// `other` in the lanes `mask` sets, `self` in the others, as bitwise and/or on the lanes'
    /// bits. `replacing(with:where:)` is a lane loop that LLVM turned into a branch per lane
    /// inside the affine coupling kernels on AVX2 (a third of their time); this has no
    /// branches to keep.
    @inline(__always)
    func blending(_ other: Self, where mask: SIMDMask<MaskStorage>) -> Self {
        let bits = mask._storage
        let mine = unsafeBitCast(self, to: MaskStorage.self), theirs = unsafeBitCast(other, to: MaskStorage.self)
        return unsafeBitCast((theirs & bits) | (mine & ~bits), to: Self.self)
    }

    @inline(__always)
    static func loadUnaligned(_ pointer: UnsafePointer<Scalar>) -> Self {
        UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }

    @inline(__always)
    func store(to pointer: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }

    /// Loads `count` (< scalarCount) elements at `stride`, padding the rest with `fill`.
    @inline(__always)
    static func loadPartial(_ pointer: UnsafePointer<Scalar>, count: Int, stride: Int, fill: Scalar) -> Self {
        var vector = Self(repeating: fill)
        for lane in 0..<count { vector[lane] = pointer[lane * stride] }
        return vector
    }

    @inline(__always)
    func storePartial(to pointer: UnsafeMutablePointer<Scalar>, count: Int, stride: Int) {
        for lane in 0..<count { pointer[lane * stride] = self[lane] }
    }
}
