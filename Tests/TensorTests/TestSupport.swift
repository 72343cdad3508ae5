// The oracle side of every Tensor test: row-major [Double] arrays with naive index
// arithmetic, a seeded input generator independent of the code under test, the strided
// layouts inputs are presented in, and `assertClose`.

import Foundation
import Testing
import Tensor

// MARK: - Test inputs

/// xorshift64* for test inputs. Deliberately not `TensorRandomGenerator`: the op tests must
/// not rest on the generator that `RandomTests` examines.
struct TestRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }

    /// Uniform on `range`.
    mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        Double.random(in: range, using: &self)
    }
}

// MARK: - The naive reference array

/// A row-major array of Doubles with a shape: the expected side of every test. All of its
/// operations are plain loops with explicit index arithmetic, sharing no code with `Tensor`.
struct Reference: CustomStringConvertible {
    var shape: [Int]
    var values: [Double]

    init(shape: [Int], values: [Double]) {
        precondition(values.count == shape.reduce(1, *), "Reference: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// Element `f(coordinates)` at every position.
    init(shape: [Int], _ f: ([Int]) -> Double) {
        let count = shape.reduce(1, *)
        var values = [Double]()
        values.reserveCapacity(count)
        for flat in 0..<count { values.append(f(Reference.coordinates(of: flat, in: shape))) }
        self.init(shape: shape, values: values)
    }

    /// Uniform values on `range`, rounded to `Scalar` so that the tensor holds exactly them.
    static func random<Scalar: TensorScalar>(
        _ shape: [Int], in range: ClosedRange<Double> = -2...2, seed: UInt64, as _: Scalar.Type
    ) -> Reference {
        var generator = TestRandom(seed: seed)
        return Reference(shape: shape) { _ in Double(Scalar(generator.uniform(range))) }
    }

    var count: Int { values.count }
    var rank: Int { shape.count }
    var description: String { "Reference\(shape) \(values.prefix(8))" }

    static func coordinates(of flat: Int, in shape: [Int]) -> [Int] {
        var result = [Int](repeating: 0, count: shape.count)
        var remainder = flat
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            result[axis] = remainder % shape[axis]
            remainder /= shape[axis]
        }
        return result
    }

    static func flatIndex(_ coordinates: [Int], in shape: [Int]) -> Int {
        var flat = 0
        for axis in 0..<shape.count {
            precondition(coordinates[axis] >= 0 && coordinates[axis] < shape[axis], "Reference: bad index")
            flat = flat * shape[axis] + coordinates[axis]
        }
        return flat
    }

    subscript(_ coordinates: [Int]) -> Double {
        get { values[Reference.flatIndex(coordinates, in: shape)] }
        set { values[Reference.flatIndex(coordinates, in: shape)] = newValue }
    }

    func map(_ f: (Double) -> Double) -> Reference {
        Reference(shape: shape, values: values.map(f))
    }

    /// `result[c] = self[c permuted back]`: result axis k is axis `axes[k]` of self.
    func permuted(_ axes: [Int]) -> Reference {
        Reference(shape: axes.map { shape[$0] }) { c in
            var source = [Int](repeating: 0, count: rank)
            for k in 0..<axes.count { source[axes[k]] = c[k] }
            return self[source]
        }
    }

    /// Python's `x[..., start:end:step]` on `axis` with non-negative, in-range bounds.
    func sliced(axis: Int, start: Int, end: Int, step: Int) -> Reference {
        var newShape = shape
        newShape[axis] = end > start ? (end - start + step - 1) / step : 0
        return Reference(shape: newShape) { c in
            var source = c
            source[axis] = start + c[axis] * step
            return self[source]
        }
    }

    /// NumPy broadcast of self to `target` (leading axes added, extent-1 axes repeated).
    func expanded(to target: [Int]) -> Reference {
        let lead = target.count - rank
        return Reference(shape: target) { c in
            var source = [Int](repeating: 0, count: rank)
            for axis in 0..<rank { source[axis] = shape[axis] == 1 ? 0 : c[lead + axis] }
            return self[source]
        }
    }

    /// NumPy's broadcast shape, computed independently of `Tensor.broadcastShape`.
    static func broadcastShape(_ shapes: [[Int]]) -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        var result = [Int](repeating: 1, count: rank)
        for shape in shapes {
            for (axis, extent) in shape.enumerated() where extent != 1 {
                let target = rank - shape.count + axis
                precondition(result[target] == 1 || result[target] == extent, "Reference: not broadcastable")
                result[target] = extent
            }
        }
        return result
    }

    /// `f(a, b)` under NumPy broadcasting.
    static func combine(_ a: Reference, _ b: Reference, _ f: (Double, Double) -> Double) -> Reference {
        let shape = broadcastShape([a.shape, b.shape])
        let x = a.expanded(to: shape), y = b.expanded(to: shape)
        return Reference(shape: shape, values: zip(x.values, y.values).map(f))
    }

    /// The values over `axes` gathered for every kept position, then `f` of each group:
    /// a reduction done by brute force.
    func reduced(axes: [Int], keepingDimensions: Bool, _ f: ([Double]) -> Double) -> Reference {
        let kept = (0..<rank).filter { !axes.contains($0) }
        let keptShape = kept.map { shape[$0] }
        var groups = [[Double]](repeating: [], count: keptShape.reduce(1, *))
        for flat in 0..<count {
            let c = Reference.coordinates(of: flat, in: shape)
            groups[Reference.flatIndex(kept.map { c[$0] }, in: keptShape)].append(values[flat])
        }
        let outputShape = keepingDimensions
            ? shape.indices.map { axes.contains($0) ? 1 : shape[$0] }
            : keptShape
        return Reference(shape: outputShape, values: groups.map(f))
    }
}

// MARK: - Presenting values as tensors in several memory layouts

/// How a test hands the same logical values to an operation.
enum Layout: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// Dense row-major storage.
    case contiguous
    /// Stored with the axes reversed and viewed through `permuted(_:)`.
    case permuted
    /// A window `[1 ..< n + 1]` of every axis of a NaN-padded tensor (an offset and gaps).
    case sliced
    /// Every second element `[1 :: 2]` of every axis of a NaN-padded tensor.
    case stepped

    var testDescription: String { rawValue }
}

/// A tensor of `Scalar` holding exactly `reference`'s values in `layout`. Padding that the
/// view must not read is NaN, so reading it shows up as a mismatch.
func makeTensor<Scalar: TensorScalar>(
    _ reference: Reference, _ layout: Layout = .contiguous, as _: Scalar.Type = Scalar.self
) -> Tensor<Scalar> {
    let shape = reference.shape
    let rank = shape.count
    switch layout {
    case .contiguous:
        return Tensor(shape: shape, scalars: reference.values.map { Scalar($0) })
    case .permuted:
        // Stored shape is the reversed shape; element c of the view is stored at reversed(c).
        let reversedAxes = Array((0..<rank).reversed())
        let stored = reference.permuted(reversedAxes)
        let base = Tensor<Scalar>(shape: stored.shape, scalars: stored.values.map { Scalar($0) })
        return base.permuted(reversedAxes)
    case .sliced, .stepped:
        let step = layout == .stepped ? 2 : 1
        let bigShape = shape.map { $0 * step + 2 }
        var big = Reference(shape: bigShape, values: [Double](repeating: .nan, count: bigShape.reduce(1, *)))
        for flat in 0..<reference.count {
            let c = Reference.coordinates(of: flat, in: shape)
            big[c.map { 1 + $0 * step }] = reference.values[flat]
        }
        var view = Tensor<Scalar>(shape: bigShape, scalars: big.values.map { Scalar($0) })
        for axis in 0..<rank {
            view = view.sliced(axis: axis, start: 1, end: 1 + shape[axis] * step, step: step)
        }
        return view
    }
}

/// The tensor's elements in row-major order as Doubles: straight from the buffer when the
/// tensor is dense (no kernel runs then), else one by one through the public subscript (so
/// not through the copy kernels under test).
func elements<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>) -> [Double] {
    if tensor.isContiguous {
        return tensor.withUnsafeBufferPointer { $0.map(Double.init) }
    }
    let shape = tensor.shape
    return (0..<shape.reduce(1, *)).map { flat in
        let c = Reference.coordinates(of: flat, in: shape)
        return Double(tensorElement(tensor, c))
    }
}

/// `tensor[c]` for a coordinate array (the subscript is variadic).
func tensorElement<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, _ c: [Int]) -> Scalar {
    switch c.count {
    case 0: return tensor.scalar
    case 1: return tensor[c[0]]
    case 2: return tensor[c[0], c[1]]
    case 3: return tensor[c[0], c[1], c[2]]
    case 4: return tensor[c[0], c[1], c[2], c[3]]
    case 5: return tensor[c[0], c[1], c[2], c[3], c[4]]
    default:  // peel the first axis off with a view
        return tensorElement(tensor.sliced(axis: 0, start: c[0], end: c[0] + 1).squeezed(axis: 0), Array(c.dropFirst()))
    }
}

/// The storage position of each element in row-major order, from shape, strides and offset.
func storagePositions<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>) -> [Int] {
    (0..<tensor.scalarCount).map { flat in
        let c = Reference.coordinates(of: flat, in: tensor.shape)
        var position = tensor.offset
        for axis in 0..<c.count { position += c[axis] * tensor.strides[axis] }
        return position
    }
}

// MARK: - Units in the last place

/// The spacing of `Scalar` values in the binade of |x| (subnormal spacing below the normal
/// range): the unit in which a correctly rounded result can be off by 0.5.
func ulp<Scalar: TensorScalar>(of x: Double, in _: Scalar.Type) -> Double {
    let precision = Scalar.significandBitCount
    let minimumExponent = Int(Scalar.leastNormalMagnitude.exponent)
    let magnitude = Swift.abs(x)
    let exponent = magnitude == 0 || !magnitude.isFinite ? minimumExponent : Swift.max(Int(magnitude.exponent), minimumExponent)
    return Double(sign: .plus, exponent: exponent - precision, significand: 1)
}

/// |actual - expected| in units of `Scalar`'s ulp at `expected`; 0 when both are the same
/// special value, infinity when only one is NaN or infinite.
func ulpError<Scalar: TensorScalar>(_ actual: Double, _ expected: Double, in _: Scalar.Type) -> Double {
    if expected.isNaN || actual.isNaN { return expected.isNaN && actual.isNaN ? 0 : .infinity }
    if actual == expected { return 0 }
    if actual.isInfinite {
        // Infinity is right when the exact value rounds to it in Scalar.
        return Double(Scalar(expected)) == actual ? 0.5 : .infinity
    }
    if expected.isInfinite { return .infinity }
    return Swift.abs(actual - expected) / ulp(of: expected, in: Scalar.self)
}

// MARK: - Comparing results

/// What counts as agreement between a computed element and its expected value.
struct Tolerance: Sendable {
    /// The largest |actual - expected| allowed at flat index i with expected value e.
    let allowed: @Sendable (_ index: Int, _ expected: Double) -> Double
    /// Whether agreement must be bitwise (see ``exact``).
    let isExact: Bool

    init(isExact: Bool = false, _ allowed: @escaping @Sendable (_ index: Int, _ expected: Double) -> Double) {
        self.allowed = allowed
        self.isExact = isExact
    }

    /// Bitwise agreement with the expected value rounded to the tensor's scalar type, the
    /// sign of zero included: for operations that must round correctly (+, -, ×, ÷, √,
    /// copies, comparisons).
    static let exact = Tolerance(isExact: true) { _, _ in 0 }

    /// Within `n` ulps of `Scalar` at the expected value.
    static func ulps<Scalar: TensorScalar>(_ n: Double, _: Scalar.Type) -> Tolerance {
        Tolerance { _, e in n * ulp(of: e, in: Scalar.self) }
    }

    /// A separate bound per element.
    static func elementwise(_ bounds: [Double]) -> Tolerance {
        Tolerance { index, _ in bounds[index] }
    }
}

/// Checks shape, then every element against `expected` (NaN matches NaN, infinities must
/// match exactly). On failure records one issue naming `context`, the first five
/// mismatches with their coordinates, and the largest difference.
@discardableResult
func assertClose<Scalar: TensorScalar>(
    _ actual: Tensor<Scalar>, _ expected: Reference, _ tolerance: Tolerance = .exact,
    _ context: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    guard actual.shape == expected.shape else {
        Issue.record("\(context()): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
        return false
    }
    let values = elements(actual)
    let exact = tolerance.isExact
    var mismatches: [String] = []
    var mismatchCount = 0
    var maxDifference = 0.0
    for index in values.indices {
        let a = values[index]
        let e = exact ? Double(Scalar(expected.values[index])) : expected.values[index]
        let ok: Bool
        if e.isNaN || a.isNaN {
            ok = e.isNaN && a.isNaN
        } else if e.isInfinite || a.isInfinite {
            ok = a == e
        } else if exact {
            ok = a == e && a.sign == e.sign
        } else {
            let difference = Swift.abs(a - e)
            maxDifference = Swift.max(maxDifference, difference)
            ok = difference == 0 || difference <= tolerance.allowed(index, e)
        }
        if !ok {
            mismatchCount += 1
            if mismatches.count < 5 {
                let c = Reference.coordinates(of: index, in: expected.shape)
                let bound = exact ? 0 : tolerance.allowed(index, e)
                mismatches.append("at \(c): got \(a), expected \(e) (allowed ±\(bound))")
            }
        }
    }
    if mismatchCount > 0 {
        Issue.record("""
            \(context()) [\(Scalar.dtypeName)]: \(mismatchCount) of \(values.count) elements differ; \
            max |difference| \(maxDifference)
              \(mismatches.joined(separator: "\n  "))
            """, sourceLocation: sourceLocation)
    }
    return mismatchCount == 0
}

/// Whether two tensors have the same shape and bitwise-identical elements (NaN payloads
/// aside): the determinism tests' notion of "the same result".
func bitwiseEqual<Scalar: TensorScalar>(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Bool {
    guard a.shape == b.shape else { return false }
    let x = a.scalars, y = b.scalars
    return zip(x, y).allSatisfy {
        ($0.isNaN && $1.isNaN) || ($0.sign == $1.sign && $0.exponentBitPattern == $1.exponentBitPattern
                                    && $0.significandBitPattern == $1.significandBitPattern)
    }
}

// MARK: - Summation error bounds

/// The relative error factor of a sum of `count` terms added in a tree of depth d:
/// |error| <= d · u · Σ|x_i| (Higham, Accuracy and Stability, §4.2), u the unit roundoff.
///
/// A blocked or pairwise sum has d of order log2(count) plus the length of its sequential
/// runs; a running sum has d = count - 1. The kernels sum blocks of 1024 elements with 4 SIMD
/// accumulators (at most 1024 / (4 · 8) + 3 = 35 sequential additions per lane), then pair
/// up the 4 accumulators and the ≤ 16 lanes (2 + 4 levels) and the blocks (log2(blocks)
/// levels); column sums add runs of 32 rows and pair those up. So 48 + log2(count) bounds
/// the depth of any summation the kernels may legitimately do, and is far below count for
/// the long sums that tell a blocked sum from a running one.
func summationDepth(count: Int) -> Double {
    let logarithm = count > 1 ? Foundation.log2(Double(count)).rounded(.up) : 0
    return Swift.min(Double(Swift.max(count - 1, 0)), 48 + logarithm)
}

/// The unit roundoff u = ε/2 of `Scalar`.
func unitRoundoff<Scalar: TensorScalar>(_: Scalar.Type) -> Double {
    Double(Scalar.ulpOfOne) / 2
}
