// exp and log for SIMD16<Float>: range reduction, a short polynomial, exponent by bit shift.

extension SIMD16: FloatVector where Scalar == Float {
    static var expm1SeriesLimit: Float { 0.35 }

    /// Σ x^k / k! for k = 1 ... 8 (expm1 near 0; truncation 6e-9 relative for |x| < 0.35).
    @inline(__always)
    static func expm1Series(_ r: Self) -> Self {
        var p = Self(repeating: 2.48015873015873e-05)
        p = p.multiplyAdd(r, Self(repeating: 0.0001984126984126984))
        p = p.multiplyAdd(r, Self(repeating: 0.001388888888888889))
        p = p.multiplyAdd(r, Self(repeating: 0.008333333333333333))
        p = p.multiplyAdd(r, Self(repeating: 0.041666666666666664))
        p = p.multiplyAdd(r, Self(repeating: 0.16666666666666666))
        p = p.multiplyAdd(r, Self(repeating: 0.5))
        p = p.multiplyAdd(r, Self(repeating: 1.0))
        return p * r
    }

    @inline(__always) static func isLess(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage> { a .< b }
    @inline(__always) static func isLessOrEqual(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage> { a .<= b }
    @inline(__always) static func isEqual(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage> { a .== b }
    @inline(__always) static func isNotEqual(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage> { a .!= b }

    /// e^x; +inf above 88.72, 0 below -103.97 (with gradual underflow), NaN kept. Max error
    /// 1.28 ulp (portable build, separate multiply and add) and 1.03 ulp (`NativeCPU`, FMA)
    /// against the correctly rounded value, measured by `VectorMathTests` on 2.1M inputs
    /// spanning every binade (`RGFLOW_VECTORMATH_SAMPLES=1048576`).
    ///
    /// x is first clamped to [-104, 88.8], where the results are already 0 and +inf. Then
    /// x = n ln2 + r with |r| <= ln2/2 (ln2 split in two so n ln2 is exact); e^r by a degree-6
    /// polynomial (relative error 1.8e-8 on the interval, fitted by Lawson's minimax iteration
    /// with p(0) = 1), six FMAs in Horner form; 2^n applied as the two exponent
    /// fields 2^(n/2) and 2^(n - n/2), so overflow, n = 128 and subnormal results all round
    /// once without a special case.
    @inline(__always)
    static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        var clamped = x.replacing(with: -104, where: x .< Self(repeating: -104))
        clamped.replace(with: 88.8, where: clamped .> Self(repeating: 88.8))
        let magic = SIMD16<Float>(repeating: 12582912)  // 1.5 * 2^23: adding it rounds to an integer
        let shifted = clamped.multiplyAdd(SIMD16(repeating: 1.44269504088896341), magic)
        let n = shifted - magic
        var r = n.multiplyAdd(SIMD16(repeating: -0.693359375), clamped)
        r = n.multiplyAdd(SIMD16(repeating: 2.12194440e-4), r)
        var p = SIMD16<Float>(repeating: 0.0013843605993315578)
        p = p.multiplyAdd(r, SIMD16(repeating: 0.008374195545911789))
        p = p.multiplyAdd(r, SIMD16(repeating: 0.04166800528764725))
        p = p.multiplyAdd(r, SIMD16(repeating: 0.16666430234909058))
        p = p.multiplyAdd(r, SIMD16(repeating: 0.4999999403953552))
        p = p.multiplyAdd(r, SIMD16(repeating: 1))
        p = p.multiplyAdd(r, SIMD16(repeating: 1))
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
        let half = integer &>> 1
        let first = unsafeBitCast((half &+ 127) &<< 23, to: SIMD16<Float>.self)
        let second = unsafeBitCast((integer &- half &+ 127) &<< 23, to: SIMD16<Float>.self)
        return p * first * second
    }

    /// ln x, max error 0.94 ulp against the correctly rounded value (measured as for `exp`);
    /// NaN for x < 0 and NaN, -inf at 0, +inf at +inf; subnormals are scaled into the normal
    /// range first.
    ///
    /// x = 2^e m with m in [sqrt(1/2), sqrt(2)); with f = m - 1 and s = f / (2 + f),
    /// ln m = f - s (f - R) where R = 2 s²/3 + 2 s⁴/5 + ... (the series of 2 atanh s).
    @inline(__always)
    static func log(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let subnormal = x .< Self(repeating: Float.leastNormalMagnitude)
        let scaled = x.replacing(with: x * 8388608, where: subnormal)  // 2^23
        let bits = unsafeBitCast(scaled, to: SIMD16<Int32>.self)
        var exponent = ((bits &>> 23) & 0xff) &- 127
        exponent.replace(with: exponent &- 23, where: subnormal)
        var mantissa = unsafeBitCast((bits & 0x007f_ffff) | 0x3f80_0000, to: SIMD16<Float>.self)
        let large = mantissa .> Self(repeating: 1.41421356)
        mantissa.replace(with: mantissa * 0.5, where: large)
        exponent.replace(with: exponent &+ 1, where: large)
        let f = mantissa - 1
        let s = f / (f + 2)
        let z = s * s
        var series = SIMD16<Float>(repeating: 2.0 / 13)
        series = series.multiplyAdd(z, SIMD16(repeating: 2.0 / 11))
        series = series.multiplyAdd(z, SIMD16(repeating: 2.0 / 9))
        series = series.multiplyAdd(z, SIMD16(repeating: 2.0 / 7))
        series = series.multiplyAdd(z, SIMD16(repeating: 2.0 / 5))
        series = series.multiplyAdd(z, SIMD16(repeating: 2.0 / 3))
        let r = series * z
        let logMantissa = f - s * (f - r)
        let e = SIMD16<Float>(exponent)
        var result = e.multiplyAdd(SIMD16(repeating: -2.12194440e-4), logMantissa)
        result = e.multiplyAdd(SIMD16(repeating: 0.693359375), result)
        result.replace(with: -.infinity, where: x .== Self(repeating: 0))
        result.replace(with: .infinity, where: x .== Self(repeating: .infinity))
        result.replace(with: .nan, where: x .< Self(repeating: 0))
        result.replace(with: x, where: x .!= x)
        return result
    }
}
