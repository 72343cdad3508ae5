// Elementwise functions and operators with NumPy broadcasting.
//
// Every function here produces a new dense tensor; inputs may be any strided view. The
// vectorised transcendental functions and their error bounds are in Kernels/VectorMath*.

extension Tensor {
    func applying(_ operation: UnaryOperation) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let layout = StridedLayout(shape: shape, strides: [result.strides, strides])
        withExtendedLifetime(self) {
            Scalar.kernels.unary(operation, layout, UnsafePointer(basePointer), result.basePointer)
        }
        return result
    }

    func combining(_ other: Tensor, _ operation: BinaryOperation, name: String) -> Tensor {
        let outputShape = Tensor.broadcastShape(shape, other.shape, operation: name)
        let left = expanded(to: outputShape), right = other.expanded(to: outputShape)
        let result = Tensor(uninitializedShape: outputShape)
        let layout = StridedLayout(shape: outputShape, strides: [result.strides, left.strides, right.strides])
        withExtendedLifetime((self, other)) {
            Scalar.kernels.binary(operation, layout, UnsafePointer(left.basePointer),
                                  UnsafePointer(right.basePointer), result.basePointer)
        }
        return result
    }

    // MARK: Unary functions

    /// |x|.
    public func abs() -> Tensor { applying(.abs) }
    /// -1, 0 or 1 by the sign of each element (NaN stays NaN).
    public func sign() -> Tensor { applying(.sign) }
    /// e^x (max error 1.27 ulp in Float, 1 ulp from glibc in Double; the bounds of every
    /// function here are in `VectorMath`).
    public func exp() -> Tensor { applying(.exp) }
    /// ln x (NaN below 0, -inf at 0).
    public func log() -> Tensor { applying(.log) }
    /// ln(1 + x), accurate near 0.
    public func log1p() -> Tensor { applying(.log1p) }
    /// e^x - 1, accurate near 0.
    public func expm1() -> Tensor { applying(.expm1) }
    /// √x (correctly rounded).
    public func squareRoot() -> Tensor { applying(.squareRoot) }
    /// tanh x, saturating to ±1 without overflow.
    public func tanh() -> Tensor { applying(.tanh) }
    /// 1 / (1 + e^(-x)): never NaN, exactly 0 and 1 at ∓inf, and accurate for large negative
    /// x down to the subnormal results.
    public func sigmoid() -> Tensor { applying(.sigmoid) }
    /// ln(1 + e^x) computed as max(x, 0) + ln(1 + e^(-|x|)), so large x never overflows.
    public func softplus() -> Tensor { applying(.softplus) }
    /// x².
    public func squared() -> Tensor { applying(.square) }
    /// 1 / x.
    public func reciprocal() -> Tensor { applying(.reciprocal) }

    /// Swish `x · sigmoid(β x)` (Ramachandran et al. 2017) with `beta` broadcast against
    /// `self` (a scalar or, e.g., one β per feature of `[rows, features]`), fused into one pass.
    public func swish(beta: Tensor) -> Tensor { combining(beta, .swish, name: "swish") }

    /// x^y elementwise with broadcasting (see `VectorMath.pow` for negative bases).
    public func pow(_ exponent: Tensor) -> Tensor { combining(exponent, .power, name: "pow") }
    /// x^y with a scalar exponent.
    public func pow(_ exponent: Scalar) -> Tensor { combining(Tensor(exponent), .power, name: "pow") }

    /// The larger of each pair, with broadcasting (NaN wins).
    public func maximum(_ other: Tensor) -> Tensor { combining(other, .maximum, name: "maximum") }
    /// The smaller of each pair, with broadcasting (NaN wins).
    public func minimum(_ other: Tensor) -> Tensor { combining(other, .minimum, name: "minimum") }
    /// The larger of each element and `value`.
    public func maximum(_ value: Scalar) -> Tensor { combining(Tensor(value), .maximum, name: "maximum") }
    /// The smaller of each element and `value`.
    public func minimum(_ value: Scalar) -> Tensor { combining(Tensor(value), .minimum, name: "minimum") }

    /// Each element limited to `[lower, upper]`.
    public func clamped(min lower: Scalar, max upper: Scalar) -> Tensor {
        precondition(lower <= upper, "clamp: lower bound \(lower) exceeds upper bound \(upper)")
        return maximum(lower).minimum(upper)
    }

    /// `a` where `condition` is nonzero, else `b`; the three shapes broadcast together.
    public static func select(where condition: Tensor, _ a: Tensor, else b: Tensor) -> Tensor {
        let outputShape = broadcastShape(broadcastShape(condition.shape, a.shape, operation: "select"),
                                         b.shape, operation: "select")
        let c = condition.expanded(to: outputShape), x = a.expanded(to: outputShape), y = b.expanded(to: outputShape)
        let result = Tensor(uninitializedShape: outputShape)
        let layout = StridedLayout(shape: outputShape, strides: [result.strides, c.strides, x.strides, y.strides])
        withExtendedLifetime((condition, a, b)) {
            Scalar.kernels.select(layout, UnsafePointer(c.basePointer), UnsafePointer(x.basePointer),
                                  UnsafePointer(y.basePointer), result.basePointer)
        }
        return result
    }

    // MARK: Operators

    /// Elementwise sum with broadcasting.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.combining(rhs, .add, name: "add") }
    /// Elementwise difference with broadcasting.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.combining(rhs, .subtract, name: "subtract") }
    /// Elementwise product with broadcasting.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.combining(rhs, .multiply, name: "multiply") }
    /// Elementwise quotient with broadcasting.
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.combining(rhs, .divide, name: "divide") }
    /// Negation.
    public static prefix func - (operand: Tensor) -> Tensor { operand.applying(.negate) }

    /// Adds a scalar to every element.
    public static func + (lhs: Tensor, rhs: Scalar) -> Tensor { lhs + Tensor(rhs) }
    /// Adds a scalar to every element.
    public static func + (lhs: Scalar, rhs: Tensor) -> Tensor { Tensor(lhs) + rhs }
    /// Subtracts a scalar from every element.
    public static func - (lhs: Tensor, rhs: Scalar) -> Tensor { lhs - Tensor(rhs) }
    /// Subtracts every element from a scalar.
    public static func - (lhs: Scalar, rhs: Tensor) -> Tensor { Tensor(lhs) - rhs }
    /// Multiplies every element by a scalar.
    public static func * (lhs: Tensor, rhs: Scalar) -> Tensor { lhs * Tensor(rhs) }
    /// Multiplies every element by a scalar.
    public static func * (lhs: Scalar, rhs: Tensor) -> Tensor { Tensor(lhs) * rhs }
    /// Divides every element by a scalar.
    public static func / (lhs: Tensor, rhs: Scalar) -> Tensor { lhs / Tensor(rhs) }
    /// Divides a scalar by every element.
    public static func / (lhs: Scalar, rhs: Tensor) -> Tensor { Tensor(lhs) / rhs }

    /// In-place sum (copies first only if storage is shared).
    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs = lhs + rhs }
    /// In-place difference.
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs - rhs }
    /// In-place product.
    public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs * rhs }

    // MARK: Comparisons (1 where true, 0 where false)

    /// 1 where `lhs == rhs`, else 0, with broadcasting.
    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.combining(rhs, .equal, name: "equal") }
    /// 1 where `lhs != rhs`, else 0.
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.combining(rhs, .notEqual, name: "notEqual") }
    /// 1 where `lhs < rhs`, else 0.
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.combining(rhs, .less, name: "less") }
    /// 1 where `lhs <= rhs`, else 0.
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.combining(rhs, .lessOrEqual, name: "lessOrEqual") }
    /// 1 where `lhs > rhs`, else 0.
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.combining(rhs, .greater, name: "greater") }
    /// 1 where `lhs >= rhs`, else 0.
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor {
        lhs.combining(rhs, .greaterOrEqual, name: "greaterOrEqual")
    }
    /// 1 where `lhs > rhs`, else 0.
    public static func .> (lhs: Tensor, rhs: Scalar) -> Tensor { lhs .> Tensor(rhs) }
    /// 1 where `lhs < rhs`, else 0.
    public static func .< (lhs: Tensor, rhs: Scalar) -> Tensor { lhs .< Tensor(rhs) }
}
