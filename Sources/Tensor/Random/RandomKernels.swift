// Filling tensors from a TensorRandomGenerator stream: uniform, normal and Laplace values.

import Foundation


enum RandomKernels {
    /// Uniform on [0, 1) with the scalar's full significand: 24 bits for Float, 53 for Double.
    @inline(__always)
    static func unitInterval<Scalar: TensorScalar>(_ bits: UInt64, _: Scalar.Type) -> Scalar {
        let digits = Scalar.significandBitCount + 1
        return Scalar(bits >> UInt64(64 - digits)) * Scalar(sign: .plus, exponent: Scalar.Exponent(-digits), significand: 1)
    }

    /// Uniform on the open interval (0, 1) with 53 bits, for logarithms.
    @inline(__always)
    static func openUnitInterval(_ bits: UInt64) -> Double {
        (Double(bits >> 11) + 0.5) * 0x1p-53
    }

    /// Writes `count` values of `distribution` from stream positions `start ..< start + count`.
    static func fill<Scalar: TensorScalar>(
        _ output: UnsafeMutablePointer<Scalar>, count: Int, key: UInt64, start: UInt64,
        distribution: RandomDistribution
    ) {
        Parallelism.forEachChunk(of: count, minimumChunk: 1 << 14, alignment: 2) { range in
            for index in range {
                let position = start &+ UInt64(index)
                switch distribution {
                case .uniform(let low, let high):
                    let u = unitInterval(TensorRandomGenerator.value(key: key, index: position), Scalar.self)
                    output[index] = Scalar(low) + (Scalar(high) - Scalar(low)) * u
                case .normal(let mean, let deviation):
                    // Element 2i uses the cosine and 2i + 1 the sine of the pair at positions
                    // (2i, 2i + 1) relative to `start`, so the pairing never depends on a split.
                    let pair = start &+ UInt64(index & ~1)
                    let u1 = openUnitInterval(TensorRandomGenerator.value(key: key, index: pair))
                    let u2 = openUnitInterval(TensorRandomGenerator.value(key: key, index: pair &+ 1))
                    let radius = (-2 * Foundation.log(u1)).squareRoot()
                    let angle = 2 * Double.pi * u2
                    let z = index & 1 == 0 ? radius * cos(angle) : radius * sin(angle)
                    output[index] = Scalar(mean + deviation * z)
                case .laplace(let location, let scale):
                    let u = openUnitInterval(TensorRandomGenerator.value(key: key, index: position)) - 0.5
                    let magnitude = -scale * Foundation.log(1 - 2 * Swift.abs(u))
                    output[index] = Scalar(location + (u < 0 ? -magnitude : magnitude))
                }
            }
        }
    }
}
