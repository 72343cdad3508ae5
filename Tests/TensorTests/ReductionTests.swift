// Reductions over every set of axes, with and without kept dimensions, on every layout,
// against brute-force group reductions in Double, with error bounds derived from the
// summation depth; plus long sums, column sums and NaN propagation.

import Foundation
import Testing
import Tensor

enum ReductionFunction: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sum, mean, variance, biasedVariance, standardDeviation, max, min, norm

    var testDescription: String { rawValue }

    func apply<Scalar: TensorScalar>(_ x: Tensor<Scalar>, axes: [Int]?, keepingDimensions: Bool) -> Tensor<Scalar> {
        switch self {
        case .sum: x.sum(axes: axes, keepingDimensions: keepingDimensions)
        case .mean: x.mean(axes: axes, keepingDimensions: keepingDimensions)
        case .variance: x.variance(axes: axes, keepingDimensions: keepingDimensions)
        case .biasedVariance: x.variance(axes: axes, keepingDimensions: keepingDimensions, unbiased: false)
        case .standardDeviation: x.standardDeviation(axes: axes, keepingDimensions: keepingDimensions)
        case .max: x.max(axes: axes, keepingDimensions: keepingDimensions)
        case .min: x.min(axes: axes, keepingDimensions: keepingDimensions)
        case .norm: x.norm(axes: axes, keepingDimensions: keepingDimensions)
        }
    }

    /// The exact value for one group, in Double (two-pass for the variance).
    func reference(_ group: [Double]) -> Double {
        let n = Double(group.count)
        let sum = group.reduce(0, +)
        let mean = sum / n
        let squares = group.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        switch self {
        case .sum: return sum
        case .mean: return mean
        case .variance: return squares / (n - 1)
        case .biasedVariance: return squares / n
        case .standardDeviation: return (squares / (n - 1)).squareRoot()
        case .max: return group.contains { $0.isNaN } ? .nan : group.max()!
        case .min: return group.contains { $0.isNaN } ? .nan : group.min()!
        case .norm: return group.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
    }

    /// The error bound for one group, from the summation bound d·u·Σ|t| (see
    /// `summationDepth`) applied to the terms each function sums, plus one rounding per
    /// further operation:
    /// - sum: (d + 1)·u·Σ|x|; mean: that / n plus the division;
    /// - variance, two-pass: the mean's error δ = (d + 2)·u·Σ|x|/n changes Σ(x - m)² only by
    ///   n·δ² (the first-order term is δ·Σ(x - m) = 0); the subtraction, squaring and sum of
    ///   the squares add (d + 3)·u·Σ(x - m)²; then the division;
    /// - standard deviation: half the variance's relative error, plus the square root;
    /// - norm: the squares and their sum, (d + 1)·u·Σx², halved by the root, plus the root;
    /// - max, min: exact.
    func bound(_ group: [Double], unitRoundoff u: Double) -> Double {
        let n = Double(group.count)
        let d = summationDepth(count: group.count)
        let absoluteSum = group.reduce(0) { $0 + Swift.abs($1) }
        let value = reference(group)
        let mean = group.reduce(0, +) / n
        let squares = group.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let meanError = (d + 2) * u * absoluteSum / n
        let squaresError = (d + 3) * u * squares + n * meanError * meanError
        switch self {
        case .sum: return (d + 1) * u * absoluteSum
        case .mean: return (d + 1) * u * absoluteSum / n + u * Swift.abs(value)
        case .variance: return squaresError / (n - 1) + u * Swift.abs(value)
        case .biasedVariance: return squaresError / n + u * Swift.abs(value)
        case .standardDeviation:
            let variance = squares / (n - 1)
            return (squaresError / (n - 1) + u * variance) / (2 * value) + u * value
        case .max, .min: return 0
        case .norm: return ((d + 1) / 2 + 1) * u * Swift.abs(value)
        }
    }
}

/// Every subset of the axes of a rank-3 tensor (as requested, some with negative axes),
/// and nil for all axes.
let reductionAxes: [[Int]?] = [nil, [], [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2], [-1], [0, -1], [2, 0], [-3, -2]]

@Suite struct ReductionTests {
    static func check<Scalar: TensorScalar>(
        _ function: ReductionFunction, _ tensor: Tensor<Scalar>, _ reference: Reference, axes: [Int]?,
        keepingDimensions: Bool, _ context: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let resolved = (axes ?? Array(0..<reference.rank)).map { $0 < 0 ? $0 + reference.rank : $0 }
        let u = unitRoundoff(Scalar.self)
        var bounds: [Double] = []
        let expected = reference.reduced(axes: resolved, keepingDimensions: keepingDimensions) { group in
            bounds.append(function.bound(group, unitRoundoff: u))
            return function.reference(group)
        }
        let result = function.apply(tensor, axes: axes, keepingDimensions: keepingDimensions)
        let tolerance: Tolerance = function == .max || function == .min ? .exact : .elementwise(bounds)
        assertClose(result, expected, tolerance,
                    "\(function)(axes: \(String(describing: axes)), keepingDimensions: \(keepingDimensions)) \(context)",
                    sourceLocation: sourceLocation)
    }

    @Test(arguments: ReductionFunction.allCases)
    func allAxisSets(function: ReductionFunction) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let reference = Reference.random([3, 4, 5], in: -3...5, seed: 90, as: Scalar.self)
            for layout in Layout.allCases {
                let tensor = makeTensor(reference, layout, as: Scalar.self)
                for axes in reductionAxes {
                    for keep in [false, true] {
                        ReductionTests.check(function, tensor, reference, axes: axes, keepingDimensions: keep, "on \(layout)")
                    }
                }
            }
            // A broadcast input: the repeated elements count once per repetition.
            let small = Reference.random([3, 1, 5], in: -3...5, seed: 91, as: Scalar.self)
            let expanded = makeTensor(small, .permuted, as: Scalar.self).expanded(to: [3, 4, 5])
            for axes in reductionAxes {
                ReductionTests.check(function, expanded, small.expanded(to: [3, 4, 5]), axes: axes, keepingDimensions: true,
                                     "on an expanded input")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// Shapes that reach the other kernel paths: long rows (split over blocks and threads),
    /// tall column sums (row blocks paired up), single rows and columns, SIMD remainders.
    @Test(arguments: [([1, 5000], [1]), ([3, 9001], [1]), ([9001], [0]), ([2000, 37], [0]), ([1100, 3], [0]),
                      ([37, 2000], [1]), ([5, 7, 300], [0, 2]), ([64, 33], [0, 1])] as [([Int], [Int])])
    func largerShapes(shape: [Int], axes: [Int]) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let reference = Reference.random(shape, in: -1...3, seed: 92, as: Scalar.self)
            for function in [ReductionFunction.sum, .variance, .max, .min] {
                for layout in [Layout.contiguous, .permuted] {
                    ReductionTests.check(function, makeTensor(reference, layout, as: Scalar.self), reference, axes: axes,
                                         keepingDimensions: false, "\(shape) on \(layout)")
                }
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// A long sum is blocked or pairwise, not one running sum: 2^20 copies of 0.1 summed
    /// within the tree-depth bound, which a running sum in the same precision exceeds.
    @Test func longSumIsAccurate() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let count = 1 << 20
            let value = Scalar(0.1)
            let exact = Double(value) * Double(count)
            let bound = (summationDepth(count: count) + 1) * unitRoundoff(Scalar.self) * exact
            let tensor = Tensor<Scalar>.full([count], value: value)
            let error = Swift.abs(Double(tensor.sum().scalar) - exact)
            #expect(error <= bound, "sum of 2^20 × \(value) in \(Scalar.dtypeName): error \(error), bound \(bound)")
            // The bound discriminates: a running sum in Scalar misses it.
            var running: Scalar = 0
            for _ in 0..<count { running += value }
            #expect(Swift.abs(Double(running) - exact) > bound, "the test's bound does not tell a running sum apart")
            // Column sums of a tall matrix are held to the same bound.
            let columns = Tensor<Scalar>.full([count / 8, 8], value: value).sum(axes: [0])
            let columnExact = exact / 8
            for column in columns.scalars {
                #expect(Swift.abs(Double(column) - columnExact) <= bound / 8, "column sum \(column), exact \(columnExact)")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// NaN anywhere in a group makes its sum, max and min NaN; infinities order correctly.
    @Test func specialValues() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let values: [Double] = [1, .nan, 3, -2, 5, -.infinity, 0, 2, .infinity, 4, -1, 6, 7, 8, 9, .nan]
            let reference = Reference(shape: [4, 4], values: values)
            for layout in Layout.allCases {
                let tensor = makeTensor(reference, layout, as: Scalar.self)
                for function in [ReductionFunction.sum, .max, .min] {
                    for axes in [[0], [1], nil] as [[Int]?] {
                        ReductionTests.check(function, tensor, reference, axes: axes, keepingDimensions: false,
                                             "with NaN and infinities on \(layout)")
                    }
                }
            }
            // A NaN in the SIMD remainder or in the middle of a long row is not lost.
            for position in [0, 15, 16, 1000, 4095, 4096, 9000] {
                var long = [Scalar](repeating: 1, count: 9001)
                long[position] = .nan
                let tensor = Tensor(shape: [9001], scalars: long)
                #expect(tensor.max().scalar.isNaN && tensor.min().scalar.isNaN && tensor.sum().scalar.isNaN,
                        "NaN at \(position) of a long row")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// A sum over an empty axis is 0; keepingDimensions gives shapes that broadcast back.
    @Test func emptyAndKeptDimensions() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            assertClose(Tensor<Scalar>.zeros([0, 3]).sum(axes: [0]), Reference(shape: [3], values: [0, 0, 0]), .exact, "empty sum")
            let reference = Reference.random([4, 6], seed: 93, as: Scalar.self)
            let x = makeTensor(reference, .permuted, as: Scalar.self)
            let centered = x - x.mean(axes: [1], keepingDimensions: true)
            let rowSums = centered.sum(axes: [1])
            for row in 0..<4 {
                let scale = (0..<6).reduce(0) { $0 + Swift.abs(reference[[row, $1]]) }
                #expect(Swift.abs(Double(rowSums[row])) <= 16 * unitRoundoff(Scalar.self) * scale, "centered row \(row) sums to 0")
            }
        }
        check(Float.self)
        check(Double.self)
    }
}
