// Helpers for derivative rules too long for one line: undoing broadcasts and reductions,
// slices, ties, and the matrix product's three gradients.

@_spi(AutogradKernels) import Tensor

extension Tensor {
    /// Sums a broadcast gradient back to the operand's shape: over leading axes the operand
    /// lacked, and over axes where it had extent 1.
    func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        precondition(lead >= 0, "summed(toShape:): gradient \(shape) cannot reduce to \(target)")
        var axes = Array(0..<lead)
        for axis in 0..<target.count where target[axis] == 1 && shape[lead + axis] != 1 { axes.append(lead + axis) }
        let reduced = axes.isEmpty ? self : sum(axes: axes, keepingDimensions: true)
        return reduced.reshaped(target)
    }

    /// The gradient of a reduction over `axes`, spread back over the input's shape.
    func unreduced(axes: [Int], keptDimensions: Bool, toShape target: [Int]) -> Tensor {
        var kept = self
        if !keptDimensions {
            for axis in axes.sorted() { kept = kept.unsqueezed(axis: axis) }
        }
        return kept.expanded(to: target)
    }
}

func inversePermutation(_ axes: [Int]) -> [Int] {
    let resolved = axes.map { $0 < 0 ? $0 + axes.count : $0 }
    var inverse = [Int](repeating: 0, count: resolved.count)
    for (position, axis) in resolved.enumerated() { inverse[axis] = position }
    return inverse
}

/// The reduced axes of a recorded reduction as non-negative, sorted indices.
func resolvedAxes(_ axes: [Int], rank: Int) -> [Int] {
    axes.map { $0 < 0 ? $0 + rank : $0 }.sorted()
}

/// Zeros of the input's shape with `g` written where the slice took its elements.
func sliceGradient<S: TensorScalar>(_ g: Tensor<S>, _ shape: [Int], _ axis: Int, _ start: Int, _ step: Int) -> Tensor<S> {
    var result = Tensor<S>.zeros(shape)
    result.assign(g, axis: axis, start: start, step: step)
    return result
}

/// maximum/minimum: the winner takes g, the loser nothing, ties half each.
func tieSplit<S: TensorScalar>(_ g: Tensor<S>, _ x: [Tensor<S>], winner: Tensor<S>) -> [LazyGradient<S>?] {
    let share = winner + (x[0] .== x[1]) * S(0.5)
    return [{ (g * share).summed(toShape: x[0].shape) }, { (g * (1 - share)).summed(toShape: x[1].shape) }]
}

/// max/min over axes: g goes to the elements equal to the extremum, split evenly among ties.
func extremumGradient<S: TensorScalar>(_ g: Tensor<S>, _ x: Tensor<S>, _ y: Tensor<S>, _ axes: [Int], _ keep: Bool) -> Tensor<S> {
    let axes = resolvedAxes(axes, rank: x.rank)
    let extremum = y.unreduced(axes: axes, keptDimensions: keep, toShape: x.shape)
    let mask = x .== extremum
    let count = mask.sum(axes: axes, keepingDimensions: true)
    return g.unreduced(axes: axes, keptDimensions: keep, toShape: x.shape) * mask / count
}

func swishPullback<S: TensorScalar>(_ g: Tensor<S>, _ x: [Tensor<S>]) -> [LazyGradient<S>?] {
    [{ Tensor.swishInputGradient(upstream: g, input: x[0], beta: x[1]) },
     { Tensor.swishBetaGradient(upstream: g, input: x[0], beta: x[1]).summed(toShape: x[1].shape) }]
}

func concatenatePullback<S: TensorScalar>(_ g: Tensor<S>, _ x: [Tensor<S>], _ axis: Int) -> [LazyGradient<S>?] {
    var start = 0
    return x.map { input in
        let begin = start
        start += input.shape[axis]
        return { g.sliced(axis: axis, start: begin, end: begin + input.shape[axis]) }
    }
}

/// C = op(A)·op(B) (+ bias): dA = g·op(B)ᵀ (transposed back when A was read transposed),
/// dB = op(A)ᵀ·g (likewise), dbias = Σ_rows g. A 2-D operand shared by a batched product gets
/// the sum over the batch.
func matmulPullback<S: TensorScalar>(_ g: Tensor<S>, _ x: [Tensor<S>], _ ta: Bool, _ tb: Bool) -> [LazyGradient<S>?] {
    let a = x[0], b = x[1]
    var rules: [LazyGradient<S>?] = [
        {
            let d = ta ? Tensor.matmul(b, g, transposingA: tb, transposingB: true)
                       : Tensor.matmul(g, b, transposingB: !tb)
            return d.summed(toShape: a.shape)
        },
        {
            let d = tb ? Tensor.matmul(g, a, transposingA: true, transposingB: ta)
                       : Tensor.matmul(a, g, transposingA: !ta)
            return d.summed(toShape: b.shape)
        },
    ]
    if x.count == 3 {
        rules.append { g.sum(axes: Array(0..<(g.rank - 1))) }
    }
    return rules
}
