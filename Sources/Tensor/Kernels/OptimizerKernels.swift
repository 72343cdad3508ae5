// The AdamW update as one pass over a parameter, its gradient and its two moments, in place.
//
// The tensor expression it replaces made ten passes and five temporaries per parameter; at
// the paper's size each temporary is 400 MB. The arithmetic is the expression's, operation
// for operation, so the result is the same bit for bit.

enum OptimizerKernels {
    /// For every element, with c the coefficients:
    ///
    ///     m ← m β₁ + g (1 - β₁),   v ← v β₂ + (g g)(1 - β₂),
    ///     p ← p (1 - lr λ) - m / (√v / √(1 - β₂ᵗ) + ε) · lr / (1 - β₁ᵗ)
    static func adamW<V: FloatVector>(
        _: V.Type, count: Int, coefficients c: AdamWCoefficients<V.Scalar>, gradient: UnsafePointer<V.Scalar>,
        parameter: UnsafeMutablePointer<V.Scalar>, firstMoment: UnsafeMutablePointer<V.Scalar>,
        secondMoment: UnsafeMutablePointer<V.Scalar>
    ) {
        let beta1 = V(repeating: c.beta1), oneMinusBeta1 = V(repeating: c.oneMinusBeta1)
        let beta2 = V(repeating: c.beta2), oneMinusBeta2 = V(repeating: c.oneMinusBeta2)
        let decay = V(repeating: c.decay), rootCorrection2 = V(repeating: c.rootCorrection2)
        let epsilon = V(repeating: c.epsilon), stepSize = V(repeating: c.stepSize)
        let width = V.scalarCount
        Parallelism.forEachChunk(of: count, minimumChunk: 1 << 15, alignment: width) { range in
            var index = range.lowerBound
            while index < range.upperBound {
                let lanes = min(width, range.upperBound - index)
                let g: V = FusedKernels.load(gradient + index, lanes)
                let m = (FusedKernels.load(firstMoment + index, lanes) as V) * beta1 + g * oneMinusBeta1
                let v = (FusedKernels.load(secondMoment + index, lanes) as V) * beta2 + (g * g) * oneMinusBeta2
                let decayed = (FusedKernels.load(parameter + index, lanes) as V) * decay
                let denominator = v.squareRoot() / rootCorrection2 + epsilon
                FusedKernels.store(m, firstMoment + index, lanes)
                FusedKernels.store(v, secondMoment + index, lanes)
                FusedKernels.store(decayed - m / denominator * stepSize, parameter + index, lanes)
                index += lanes
            }
        }
    }
}
