// The differentiable primitives: what a graph node records, with the attributes its
// derivative rule needs.

import Tensor

/// The name of each differentiable primitive, for coverage checks and debug output.
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

/// A recorded operation with its attributes (scalars are stored as `Double`).
enum Operation: Sendable {
    case add, subtract, multiply, divide, negate
    case exp, log, log1p, expm1, squareRoot, tanh, sigmoid, abs
    /// x^exponent for a constant exponent.
    case power(exponent: Double)
    case maximum, minimum
    case clamp(lower: Double, upper: Double)
    /// Inputs: condition (constant), a, b.
    case select
    /// Inputs: x, beta.
    case swish
    case sum(axes: [Int], keepingDimensions: Bool)
    case max(axes: [Int], keepingDimensions: Bool)
    case min(axes: [Int], keepingDimensions: Bool)
    case reshape
    case permute(axes: [Int])
    case slice(axis: Int, start: Int, step: Int)
    case expand
    case gather(trailingAxes: Int, table: IndexTable)
    /// Inputs: base, values.
    case scatter(trailingAxes: Int, table: IndexTable)
    case concatenate(axis: Int)
    /// Inputs: a, b and optionally a bias.
    case matmul(transposingA: Bool, transposingB: Bool)

    var primitive: Primitive {
        switch self {
        case .add: .add
        case .subtract: .subtract
        case .multiply: .multiply
        case .divide: .divide
        case .negate: .negate
        case .exp: .exp
        case .log: .log
        case .log1p: .log1p
        case .expm1: .expm1
        case .squareRoot: .squareRoot
        case .tanh: .tanh
        case .sigmoid: .sigmoid
        case .abs: .abs
        case .power: .power
        case .maximum: .maximum
        case .minimum: .minimum
        case .clamp: .clamp
        case .select: .select
        case .swish: .swish
        case .sum: .sum
        case .max: .max
        case .min: .min
        case .reshape: .reshape
        case .permute: .permute
        case .slice: .slice
        case .expand: .expand
        case .gather: .gather
        case .scatter: .scatter
        case .concatenate: .concatenate
        case .matmul: .matmul
        }
    }
}
