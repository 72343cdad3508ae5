// The differentiable primitives: what a graph node records, with the attributes its
// derivative rule needs.

import Tensor

/// The differentiable primitives: the one list of them.
///
/// Every primitive has exactly one derivative rule in `Derivatives.swift`; composite
/// operations (softplus, mean, norms, log-densities) are built from these and need none.
public enum Primitive: String, CaseIterable, Sendable {
    case add, subtract, multiply, divide, negate
    case exp, log, log1p, expm1, squareRoot, tanh, sigmoid, abs
    case power
    case maximum, minimum, clamp, select
    case swish
    case sum, max, min
    case reshape, permute, slice, expand
    case gather, scatter, concatenate
    case matmul
}

/// The attributes a primitive's rule reads, by kind (several primitives share a kind).
enum OperationAttributes: Sendable {
    case none
    /// x^exponent for a constant exponent (power).
    case exponent(Double)
    /// The clamp interval.
    case bounds(lower: Double, upper: Double)
    /// The reduced axes (sum, max, min).
    case reduction(axes: [Int], keepingDimensions: Bool)
    /// Result axis k is input axis `axes[k]` (permute).
    case permutation([Int])
    /// Elements start, start + step, ... along an axis (slice).
    case slice(axis: Int, start: Int, step: Int)
    /// Positions of a trailing block (gather, scatter).
    case index(trailingAxes: Int, table: IndexTable)
    /// The joined axis (concatenate).
    case axis(Int)
    /// Which operands are read transposed (matmul; inputs a, b and optionally a bias).
    case transposes(a: Bool, b: Bool)

    private func mismatch(_ kind: String) -> Never { preconditionFailure("Operation: \(kind) attributes expected, found \(self)") }
    var exponent: Double { if case .exponent(let c) = self { return c }; mismatch("exponent") }
    var bounds: (lower: Double, upper: Double) { if case .bounds(let l, let u) = self { return (l, u) }; mismatch("bounds") }
    var reduction: (axes: [Int], keep: Bool) { if case .reduction(let a, let k) = self { return (a, k) }; mismatch("reduction") }
    var permutation: [Int] { if case .permutation(let axes) = self { return axes }; mismatch("permutation") }
    var slice: (axis: Int, start: Int, step: Int) { if case .slice(let a, let s, let t) = self { return (a, s, t) }; mismatch("slice") }
    var index: (trailingAxes: Int, table: IndexTable) { if case .index(let k, let t) = self { return (k, t) }; mismatch("index") }
    var axis: Int { if case .axis(let axis) = self { return axis }; mismatch("axis") }
    var transposes: (a: Bool, b: Bool) { if case .transposes(let a, let b) = self { return (a, b) }; mismatch("transposes") }
}

/// A recorded operation: the primitive and the attributes its rule needs (scalars as `Double`).
/// Inputs are as each primitive documents: select (condition, a, b), swish (x, β), scatter
/// (base, values), matmul (a, b and optionally a bias).
struct Operation: Sendable {
    let primitive: Primitive
    let attributes: OperationAttributes
}
