// The derivative rules: one short rule per primitive, in PyTorch's vocabulary.
//
// `g` is the upstream gradient (shape of the result), `x` the input values, `y` the result.
// A rule returns one entry per input: a closure computing that input's gradient (evaluated
// only when the input needs one), or nil where no gradient flows (a condition, an index).
// Longer helpers live in `Derivatives+Helpers.swift`.

@_spi(AutogradKernels) import Tensor

typealias LazyGradient<Scalar: TensorScalar> = () -> Tensor<Scalar>

extension Operation {
    func pullback<S: TensorScalar>(_ g: Tensor<S>, _ x: [Tensor<S>], _ y: Tensor<S>) -> [LazyGradient<S>?] {
        let a = attributes
        switch primitive {
        case .add: return [{ g.summed(toShape: x[0].shape) }, { g.summed(toShape: x[1].shape) }]
        case .subtract: return [{ g.summed(toShape: x[0].shape) }, { (-g).summed(toShape: x[1].shape) }]
        case .multiply: return [{ (g * x[1]).summed(toShape: x[0].shape) }, { (g * x[0]).summed(toShape: x[1].shape) }]
        case .divide: return [{ (g / x[1]).summed(toShape: x[0].shape) }, { (-g * y / x[1]).summed(toShape: x[1].shape) }]
        case .negate: return [{ -g }]
        case .exp: return [{ g * y }]
        case .log: return [{ g / x[0] }]
        case .log1p: return [{ g / (x[0] + 1) }]
        case .expm1: return [{ g * (y + 1) }]
        case .squareRoot: return [{ g / (y * 2) }]
        // g · (1 − y²), fused into one pass.
        case .tanh: return [{ Tensor.tanhGradient(upstream: g, output: y) }]
        // g · y (1 − y), fused into one pass.
        case .sigmoid: return [{ Tensor.sigmoidGradient(upstream: g, output: y) }]
        // abs'(0) = 0: the subgradient PyTorch picks.
        case .abs: return [{ g * x[0].sign() }]
        case .power: let c = a.exponent; return [{ g * x[0].pow(S(c - 1)) * S(c) }]
        // Ties split the gradient evenly between the operands (PyTorch's rule).
        case .maximum: return tieSplit(g, x, winner: x[0] .> x[1])
        case .minimum: return tieSplit(g, x, winner: x[0] .< x[1])
        // Subgradient 1 at the bounds: the gradient passes wherever lower <= x <= upper.
        case .clamp: let (lower, upper) = a.bounds; return [{ g * (x[0] .>= Tensor(S(lower))) * (x[0] .<= Tensor(S(upper))) }]
        case .select: return [nil, { Tensor.select(where: x[0], g, else: .zeros([])).summed(toShape: x[1].shape) },
                              { Tensor.select(where: x[0], .zeros([]), else: g).summed(toShape: x[2].shape) }]
        // x: g · (σ + βx σ (1 − σ)); β: Σ g · x² σ (1 − σ), σ = σ(βx); each one fused pass.
        case .swish: return swishPullback(g, x)
        case .sum: let (axes, keep) = a.reduction; return [{ g.unreduced(axes: axes, keptDimensions: keep, toShape: x[0].shape) }]
        case .max, .min: let (axes, keep) = a.reduction; return [{ extremumGradient(g, x[0], y, axes, keep) }]
        case .reshape: return [{ g.contiguous().reshaped(x[0].shape) }]
        case .permute: let axes = a.permutation; return [{ g.permuted(inversePermutation(axes)) }]
        case .slice: let (axis, start, step) = a.slice; return [{ sliceGradient(g, x[0].shape, axis, start, step) }]
        case .expand: return [{ g.summed(toShape: x[0].shape) }]
        case .gather: let (k, table) = a.index; return [{ Tensor.zeros(x[0].shape).scatteringAdd(g, trailingAxes: k, table) }]
        case .scatter: let (k, table) = a.index; return [{ g.scattering(.zeros(x[1].shape), trailingAxes: k, table) },
                                                 { g.gathered(trailingAxes: k, table) }]
        case .concatenate: return concatenatePullback(g, x, a.axis)
        case .matmul: let (ta, tb) = a.transposes; return matmulPullback(g, x, ta, tb)
        }
    }
}
