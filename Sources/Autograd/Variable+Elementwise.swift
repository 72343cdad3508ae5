// Differentiable elementwise functions and operators (NumPy broadcasting, as Tensor).

import Tensor

extension Variable {
    /// e^x.
    public func exp() -> Variable { .record(.exp, [self], value.exp()) }
    /// ln x.
    public func log() -> Variable { .record(.log, [self], value.log()) }
    /// ln(1 + x), accurate near 0.
    public func log1p() -> Variable { .record(.log1p, [self], value.log1p()) }
    /// e^x - 1, accurate near 0.
    public func expm1() -> Variable { .record(.expm1, [self], value.expm1()) }
    /// √x (the gradient is infinite at 0).
    public func squareRoot() -> Variable { .record(.squareRoot, [self], value.squareRoot()) }
    /// tanh x.
    public func tanh() -> Variable { .record(.tanh, [self], value.tanh()) }
    /// 1 / (1 + e^(-x)).
    public func sigmoid() -> Variable { .record(.sigmoid, [self], value.sigmoid()) }
    /// |x|, with derivative sign(x) (0 at 0).
    public func abs() -> Variable { .record(.abs, [self], value.abs()) }
    /// x^exponent for a constant exponent.
    public func pow(_ exponent: Scalar) -> Variable {
        .record(.power, .exponent(Double(exponent)), [self], value.pow(exponent))
    }
    /// The larger of each pair (ties share the gradient).
    public func maximum(_ other: Variable) -> Variable { .record(.maximum, [self, other], value.maximum(other.value)) }
    /// The smaller of each pair (ties share the gradient).
    public func minimum(_ other: Variable) -> Variable { .record(.minimum, [self, other], value.minimum(other.value)) }
    /// Each element limited to [lower, upper]; the gradient passes where lower <= x <= upper
    /// (subgradient 1 at the bounds, as PyTorch's clamp).
    public func clamped(min lower: Scalar, max upper: Scalar) -> Variable {
        .record(.clamp, .bounds(lower: Double(lower), upper: Double(upper)), [self], value.clamped(min: lower, max: upper))
    }

    /// Swish `x · σ(βx)` with a (learnable) β broadcast against x, e.g. `[features]` against
    /// `[rows, features]`.
    ///
    /// NOTE: a primitive rather than a composite of sigmoid and products, for speed: the
    /// activation is memory-bound and the composite would make five passes over it forward
    /// and eight backward, the fused forms one and two.
    public func swish(beta: Variable) -> Variable {
        .record(.swish, [self, beta], value.swish(beta: beta.value))
    }

    /// `a` where `condition` is nonzero, else `b` (the condition gets no gradient).
    public static func select(where condition: Tensor<Scalar>, _ a: Variable, else b: Variable) -> Variable {
        .record(.select, [Variable(condition), a, b], Tensor.select(where: condition, a.value, else: b.value))
    }

    /// Elementwise sum with broadcasting.
    public static func + (lhs: Variable, rhs: Variable) -> Variable { .record(.add, [lhs, rhs], lhs.value + rhs.value) }
    /// Elementwise difference with broadcasting.
    public static func - (lhs: Variable, rhs: Variable) -> Variable { .record(.subtract, [lhs, rhs], lhs.value - rhs.value) }
    /// Elementwise product with broadcasting.
    public static func * (lhs: Variable, rhs: Variable) -> Variable { .record(.multiply, [lhs, rhs], lhs.value * rhs.value) }
    /// Elementwise quotient with broadcasting.
    public static func / (lhs: Variable, rhs: Variable) -> Variable { .record(.divide, [lhs, rhs], lhs.value / rhs.value) }
    /// Negation.
    public static prefix func - (operand: Variable) -> Variable { .record(.negate, [operand], -operand.value) }

    /// Adds a constant scalar.
    public static func + (lhs: Variable, rhs: Scalar) -> Variable { lhs + Variable(rhs) }
    /// Adds to a constant scalar.
    public static func + (lhs: Scalar, rhs: Variable) -> Variable { Variable(lhs) + rhs }
    /// Subtracts a constant scalar.
    public static func - (lhs: Variable, rhs: Scalar) -> Variable { lhs - Variable(rhs) }
    /// Subtracts from a constant scalar.
    public static func - (lhs: Scalar, rhs: Variable) -> Variable { Variable(lhs) - rhs }
    /// Multiplies by a constant scalar.
    public static func * (lhs: Variable, rhs: Scalar) -> Variable { lhs * Variable(rhs) }
    /// Multiplies a constant scalar.
    public static func * (lhs: Scalar, rhs: Variable) -> Variable { Variable(lhs) * rhs }
    /// Divides by a constant scalar.
    public static func / (lhs: Variable, rhs: Scalar) -> Variable { lhs / Variable(rhs) }
    /// Divides a constant scalar.
    public static func / (lhs: Scalar, rhs: Variable) -> Variable { Variable(lhs) / rhs }
    /// Adds a constant tensor.
    public static func + (lhs: Variable, rhs: Tensor<Scalar>) -> Variable { lhs + Variable(rhs) }
    /// Multiplies by a constant tensor (a mask, say).
    public static func * (lhs: Variable, rhs: Tensor<Scalar>) -> Variable { lhs * Variable(rhs) }
}
