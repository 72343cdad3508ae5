// The kernel interface: the operations kernels implement and the per-type table generic
// tensor code calls through. Core defines what is called; Dispatch binds the implementations.

/// The kernels of one scalar type, each specialised for that type's SIMD vectors.
///
/// Generic code outside this module cannot be specialised for Float or Double, so the
/// element loops must not live in generic functions it calls. Each conformance of
/// ``TensorScalar`` builds this table in a concrete context, where the compiler specialises
/// every generic kernel; generic code then pays one indirect call per operation.
/// Its members are internal: the table is an implementation detail.
public struct ScalarKernels<Scalar: TensorScalar>: Sendable {
    let unary: @Sendable (UnaryOperation, StridedLayout, UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
    let binary: @Sendable (BinaryOperation, StridedLayout, UnsafePointer<Scalar>, UnsafePointer<Scalar>,
                           UnsafeMutablePointer<Scalar>) -> Void
    let ternary: @Sendable (TernaryOperation, StridedLayout, UnsafePointer<Scalar>, UnsafePointer<Scalar>,
                            UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
    let select: @Sendable (StridedLayout, UnsafePointer<Scalar>, UnsafePointer<Scalar>, UnsafePointer<Scalar>,
                           UnsafeMutablePointer<Scalar>) -> Void
    let reduceRows: @Sendable (ReductionOperation, _ rows: Int, _ length: Int, _ rowStride: Int,
                               UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
    let reduceColumns: @Sendable (ReductionOperation, _ rows: Int, _ columns: Int, _ rowStride: Int,
                                  UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
    let gemm: @Sendable (GEMMOperands<Scalar>) -> Void
    let scatterAdd: @Sendable (_ rows: Int, _ destinationRowLength: Int, UnsafeBufferPointer<Int32>,
                               UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
    /// Writes `count` copies of a value into uninitialised memory (a generic initialize copies
    /// element by element through value witnesses: 1% of a training step in a profile).
    let fill: @Sendable (UnsafeMutablePointer<Scalar>, _ count: Int, Scalar) -> Void
    let fillRandom: @Sendable (UnsafeMutablePointer<Scalar>, Int, _ key: UInt64, _ start: UInt64,
                               RandomDistribution) -> Void
    /// Fused Swish backward over `[rows, columns]`: g, x, β, optional residual → dx, dβ, Σdx.
    let swishBackward: @Sendable (_ rows: Int, _ columns: Int, UnsafePointer<Scalar>, UnsafePointer<Scalar>,
                                  UnsafePointer<Scalar>, UnsafePointer<Scalar>?, UnsafeMutablePointer<Scalar>,
                                  UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>?) -> Void
    /// An affine coupling half-step over `[rows, columns]`: x, s, t, mask, inverting → y.
    let affineCoupling: @Sendable (_ rows: Int, _ columns: Int, UnsafePointer<Scalar>, UnsafePointer<Scalar>,
                                   UnsafePointer<Scalar>, UnsafePointer<Scalar>, Bool, UnsafeMutablePointer<Scalar>) -> Void
    /// Its backward: g, x, s, t, mask, inverting → dx, ds, dt.
    let affineCouplingBackward: @Sendable (_ rows: Int, _ columns: Int, UnsafePointer<Scalar>, UnsafePointer<Scalar>,
                                           UnsafePointer<Scalar>, UnsafePointer<Scalar>, UnsafePointer<Scalar>, Bool,
                                           UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>,
                                           UnsafeMutablePointer<Scalar>) -> Void
    /// Fused backward of tanh(x g) or x g over `[rows, columns]`: upstream, x, y, g → dx, dg.
    let scaleBackward: @Sendable (_ rows: Int, _ columns: Int, UnsafePointer<Scalar>, UnsafePointer<Scalar>,
                                  UnsafePointer<Scalar>, UnsafePointer<Scalar>, Bool, UnsafeMutablePointer<Scalar>,
                                  UnsafeMutablePointer<Scalar>) -> Void
    /// A residual subnet's forward, tile by tile (``ResidualNetworkKernels``).
    let residualForward: @Sendable (ResidualForwardOperands<Scalar>) -> Void
    /// The AdamW update in place: count, coefficients, g → p, m, v.
    let adamW: @Sendable (_ count: Int, AdamWCoefficients<Scalar>, UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>,
                          UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
}

/// Unary elementwise operations with a vector kernel.
enum UnaryOperation: CaseIterable, Sendable {
    case negate, abs, sign, exp, log, log1p, expm1, squareRoot, tanh, sigmoid, softplus, square, reciprocal
}

/// Binary elementwise operations with a vector kernel. Comparisons give 1 or 0.
enum BinaryOperation: CaseIterable, Sendable {
    case add, subtract, multiply, divide, power, maximum, minimum
    /// Swish `x · sigmoid(β x)` with x the first operand and β the second, fused so the
    /// activation costs one pass over memory.
    case swish
    /// `g · (1 - y²)` for g the upstream gradient and y = tanh x: tanh's backward in one pass.
    case tanhGradient
    /// `g · y (1 - y)` for y = sigmoid x.
    case sigmoidGradient
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
}

/// Ternary elementwise operations with a vector kernel (fused backward passes).
enum TernaryOperation: CaseIterable, Sendable {
    case swishInputGradient, swishBetaGradient
}

/// The associative operations a reduction combines with.
enum ReductionOperation: Sendable {
    case sum, maximum, minimum
}

/// The distributions a tensor fill can draw from.
enum RandomDistribution: Sendable {
    /// Uniform on [low, high).
    case uniform(low: Double, high: Double)
    /// Normal with the given mean and standard deviation (Box–Muller on pairs of positions).
    case normal(mean: Double, standardDeviation: Double)
    /// Laplace with the given location and scale b, by the inverse CDF.
    case laplace(location: Double, scale: Double)
}

/// One matrix product `C = beta·C + A·B + bias` with M x K matrix A, K x N matrix B, M x N C.
///
/// A and B are addressed through a row step and a column step each, so a transposed operand
/// is the same memory with the steps swapped: nothing is transposed in memory. C has unit
/// column step. With `beta == 0`, C is written without being read (NaN in C is ignored).
struct GEMMOperands<Scalar: TensorScalar> {
    var m: Int
    var n: Int
    var k: Int
    var a: UnsafePointer<Scalar>
    var aRowStride: Int
    var aColumnStride: Int
    var b: UnsafePointer<Scalar>
    var bRowStride: Int
    var bColumnStride: Int
    var c: UnsafeMutablePointer<Scalar>
    var cRowStride: Int
    var beta: Scalar = 0
    /// N values added to every row of C, or nil.
    var bias: UnsafePointer<Scalar>? = nil

    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}
