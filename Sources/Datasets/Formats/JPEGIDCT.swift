// The 8x8 inverse DCT of baseline JPEG (ITU T.81 A.3.3) in single precision, separable,
// with the level shift and clamp to 0...255.

import Foundation

/// The inverse DCT of one 8x8 block.
///
/// f(x, y) = 1/4 Σ_u Σ_v C(u) C(v) F(v, u) cos((2x+1)uπ/16) cos((2y+1)vπ/16) + 128, with
/// C(0) = 1/√2 and C(k) = 1 otherwise, rounded and clamped to 0...255. Computed exactly in
/// Float (no integer approximation), so it can differ from libjpeg's integer "islow"
/// transform by one level at most, before clamping.
enum JPEGIDCT {
    /// `basis[k]`, lane x: C(k)/2 · cos((2x+1)kπ/16).
    private static let basis: [SIMD8<Float>] = (0..<8).map { frequency in
        let scale = frequency == 0 ? 0.5 / 2.0.squareRoot() : 0.5
        var vector = SIMD8<Float>()
        for position in 0..<8 {
            vector[position] = Float(scale * cos(Double((2 * position + 1) * frequency) * Double.pi / 16))
        }
        return vector
    }

    /// Transforms the dequantised coefficients (natural row-major order, `[v, u]`) and writes
    /// the 8x8 samples at `target`, rows `stride` bytes apart.
    static func transform(_ coefficients: UnsafePointer<Float>, into target: UnsafeMutablePointer<UInt8>, stride: Int) {
        basis.withUnsafeBufferPointer { basis in
            withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 8) { rows in
                // Rows: for each vertical frequency v, the horizontal inverse transform over x.
                var anyRow = false
                for v in 0..<8 {
                    var sum = SIMD8<Float>()
                    for u in 0..<8 {
                        let value = coefficients[v * 8 + u]
                        if value != 0 { sum += value * basis[u] }
                    }
                    if sum != SIMD8() { anyRow = true }
                    rows[v] = sum
                }
                if !anyRow {
                    for y in 0..<8 { (target + y * stride).update(repeating: 128, count: 8) }
                    return
                }
                // Columns: for each output row y, combine the rows with the vertical basis.
                for y in 0..<8 {
                    // 128.5: the level shift plus one half, so truncation below rounds half up
                    // (libm's roundf is a call per sample, a seventh of the decoding time).
                    var sum = SIMD8<Float>(repeating: 128.5)
                    for v in 0..<8 { sum += rows[v] * basis[v][y] }
                    let row = target + y * stride
                    for x in 0..<8 {
                        let value = sum[x]
                        row[x] = value < 256 ? (value >= 1 ? UInt8(Int32(value)) : 0) : 255  // NaN gives 255
                    }
                }
            }
        }
    }
}
