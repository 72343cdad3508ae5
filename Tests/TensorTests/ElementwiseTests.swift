// Elementwise functions, operators, comparisons and select, with NumPy broadcasting, on
// every input layout, against Foundation evaluated on the same values in Double.

import Foundation
import Testing
import Tensor

// MARK: - Unary functions

enum UnaryFunction: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case negate, abs, sign, exp, log, log1p, expm1, squareRoot, tanh, sigmoid, softplus, squared, reciprocal

    var testDescription: String { rawValue }

    func apply<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        switch self {
        case .negate: -x
        case .abs: x.abs()
        case .sign: x.sign()
        case .exp: x.exp()
        case .log: x.log()
        case .log1p: x.log1p()
        case .expm1: x.expm1()
        case .squareRoot: x.squareRoot()
        case .tanh: x.tanh()
        case .sigmoid: x.sigmoid()
        case .softplus: x.softplus()
        case .squared: x.squared()
        case .reciprocal: x.reciprocal()
        }
    }

    var mathFunction: MathFunction? {
        switch self {
        case .exp: .exp
        case .log: .log
        case .log1p: .log1p
        case .expm1: .expm1
        case .tanh: .tanh
        case .sigmoid: .sigmoid
        case .softplus: .softplus
        default: nil
        }
    }

    func reference(_ x: Double) -> Double {
        if let mathFunction { return mathFunction.reference(x) }
        switch self {
        case .negate: return -x
        case .abs: return Swift.abs(x)
        case .sign: return x.isNaN ? x : (x > 0 ? 1 : (x < 0 ? -1 : 0))
        case .squareRoot: return x.squareRoot()
        case .squared: return x * x
        case .reciprocal: return 1 / x
        default: fatalError("no reference for \(self)")
        }
    }

    var domain: ClosedRange<Double> {
        switch self {
        case .log, .squareRoot: 0.01...20
        case .log1p: -0.99...20
        case .exp, .expm1, .sigmoid, .softplus, .tanh: -30...30
        default: -10...10
        }
    }

    /// Correctly rounded operations must match exactly (a Float op evaluated in Double and
    /// rounded once is correctly rounded for these); the transcendental ones within the
    /// bound `VectorMathTests` holds them to.
    func tolerance<Scalar: TensorScalar>(_: Scalar.Type) -> Tolerance {
        guard let mathFunction else { return .exact }
        return .ulps(vectorMathBound(mathFunction, Scalar.self), Scalar.self)
    }
}

// MARK: - Binary functions

enum BinaryFunction: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case add, subtract, multiply, divide, power, maximum, minimum
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual

    var testDescription: String { rawValue }

    func apply<Scalar: TensorScalar>(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>) -> Tensor<Scalar> {
        switch self {
        case .add: x + y
        case .subtract: x - y
        case .multiply: x * y
        case .divide: x / y
        case .power: x.pow(y)
        case .maximum: x.maximum(y)
        case .minimum: x.minimum(y)
        case .equal: x .== y
        case .notEqual: x .!= y
        case .less: x .< y
        case .lessOrEqual: x .<= y
        case .greater: x .> y
        case .greaterOrEqual: x .>= y
        }
    }

    func reference(_ x: Double, _ y: Double) -> Double {
        switch self {
        case .add: x + y
        case .subtract: x - y
        case .multiply: x * y
        case .divide: x / y
        case .power: Foundation.pow(x, y)
        case .maximum: x.isNaN || y.isNaN ? .nan : (x > y ? x : y)
        case .minimum: x.isNaN || y.isNaN ? .nan : (x < y ? x : y)
        case .equal: x == y ? 1 : 0
        case .notEqual: x != y ? 1 : 0
        case .less: x < y ? 1 : 0
        case .lessOrEqual: x <= y ? 1 : 0
        case .greater: x > y ? 1 : 0
        case .greaterOrEqual: x >= y ? 1 : 0
        }
    }

    var isComparison: Bool { ![.add, .subtract, .multiply, .divide, .power, .maximum, .minimum].contains(self) }

    /// Inputs: comparisons draw from a few half-integers so that ties are common; the
    /// divisor stays away from 0, and the base of `pow` is positive (negative bases have
    /// their own test).
    func operands<Scalar: TensorScalar>(_ shapes: ([Int], [Int]), seed: UInt64, _: Scalar.Type) -> (Reference, Reference) {
        if isComparison {
            var generator = TestRandom(seed: seed)
            let pick = { (shape: [Int]) in
                Reference(shape: shape) { _ in Double(Int.random(in: -2...2, using: &generator)) / 2 }
            }
            return (pick(shapes.0), pick(shapes.1))
        }
        let x = Reference.random(shapes.0, in: self == .power ? 0.05...4 : -10...10, seed: seed, as: Scalar.self)
        var y = Reference.random(shapes.1, in: self == .power ? -3...3 : -10...10, seed: seed &+ 1, as: Scalar.self)
        if self == .divide { y = y.map { Double(Scalar($0 < 0 ? $0 - 0.5 : $0 + 0.5)) } }
        return (x, y)
    }

    /// +, -, ×, ÷, max, min and comparisons are exact. `pow` is e^(y ln x): with ε = ulpOfOne,
    /// ln x within E_log ulp and the product y·ln x rounded once, the exponent w = y ln x
    /// carries an absolute error ≤ (E_log + 0.5)·ε·|w|, which e^w turns into that relative
    /// error; exp adds E_exp ulp ≤ E_exp·ε relative. So |error| ≤ (E_exp + (E_log + 0.5)|w|)·ε·|x^y|,
    /// with a factor 1.01 for the second-order terms.
    func tolerance<Scalar: TensorScalar>(_ x: Reference, _ y: Reference, _: Scalar.Type) -> Tolerance {
        guard self == .power else { return .exact }
        let epsilon = Double(Scalar.ulpOfOne)
        let exponentError = vectorMathBound(.exp, Scalar.self), logError = vectorMathBound(.log, Scalar.self)
        let bounds = Reference.combine(x, y) { base, exponent in
            let w = exponent == 0 ? 0 : exponent * Foundation.log(Swift.abs(base))
            return 1.01 * (exponentError + (logError + 0.5) * Swift.abs(w)) * epsilon * Foundation.pow(Swift.abs(base), exponent)
        }
        return .elementwise(bounds.values)
    }
}

/// Pairs of operand shapes under NumPy broadcasting: equal shapes, outer-product style,
/// trailing vectors, scalars on either side, and long inner runs (the SIMD paths, with a
/// broadcast scalar on either side).
let broadcastPairs: [([Int], [Int])] = [
    ([3, 4], [3, 4]), ([3, 1], [1, 4]), ([2, 3, 4], [4]), ([4], [2, 3, 1]), ([], [2, 3]), ([2, 3], []),
    ([2, 1, 3], [2, 4, 1]), ([3, 37], [37]), ([37], []), ([], [37]), ([2, 37], [2, 1]),
]

/// Layout pairs for the two operands.
let layoutPairs: [(Layout, Layout)] = [
    (.contiguous, .contiguous), (.permuted, .stepped), (.sliced, .permuted), (.stepped, .contiguous),
    (.contiguous, .sliced), (.stepped, .stepped),
]

@Suite struct ElementwiseTests {
    /// Every unary function on every layout, on a broadcast (stride-0) input, and on a long
    /// run with a SIMD remainder.
    @Test(arguments: UnaryFunction.allCases)
    func unary(function: UnaryFunction) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let tolerance = function.tolerance(Scalar.self)
            let reference = Reference.random([2, 3, 5], in: function.domain, seed: 40, as: Scalar.self)
            for layout in Layout.allCases {
                let x = makeTensor(reference, layout, as: Scalar.self)
                assertClose(function.apply(x), reference.map(function.reference), tolerance, "\(function) on \(layout)")
            }
            let small = Reference.random([3, 1, 5], in: function.domain, seed: 41, as: Scalar.self)
            assertClose(function.apply(makeTensor(small, .permuted, as: Scalar.self).expanded(to: [2, 3, 4, 5])),
                        small.expanded(to: [2, 3, 4, 5]).map(function.reference), tolerance, "\(function) on an expanded input")
            let long = Reference.random([1001], in: function.domain, seed: 42, as: Scalar.self)
            assertClose(function.apply(makeTensor(long, as: Scalar.self)), long.map(function.reference), tolerance,
                        "\(function) on a long contiguous run")
            assertClose(function.apply(makeTensor(long, .stepped, as: Scalar.self)), long.map(function.reference), tolerance,
                        "\(function) on a long strided run")
        }
        check(Float.self)
        check(Double.self)
    }

    /// The exact operations on special values: ±0, ±inf, NaN, subnormals.
    @Test(arguments: [UnaryFunction.negate, .abs, .sign, .squareRoot, .squared, .reciprocal])
    func unarySpecialValues(function: UnaryFunction) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let values: [Double] = [0, -0.0, .infinity, -.infinity, .nan, Double(Scalar.leastNonzeroMagnitude),
                                    -Double(Scalar.leastNormalMagnitude), Double(Scalar.greatestFiniteMagnitude), -2, 0.25]
            let reference = Reference(shape: [values.count], values: values)
            assertClose(function.apply(makeTensor(reference, as: Scalar.self)), reference.map(function.reference), .exact,
                        "\(function) of special values")
        }
        check(Float.self)
        check(Double.self)
    }

    @Test(arguments: BinaryFunction.allCases)
    func binary(function: BinaryFunction) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            for (index, shapes) in broadcastPairs.enumerated() {
                let (x, y) = function.operands(shapes, seed: UInt64(50 + index), Scalar.self)
                let expected = Reference.combine(x, y, function.reference)
                let tolerance = function.tolerance(x, y, Scalar.self)
                for (left, right) in layoutPairs {
                    let result = function.apply(makeTensor(x, left, as: Scalar.self), makeTensor(y, right, as: Scalar.self))
                    assertClose(result, expected, tolerance, "\(function) \(shapes.0) (\(left)) with \(shapes.1) (\(right))")
                }
                // The same operands already expanded to the common shape (stride-0 inputs).
                let shape = expected.shape
                let result = function.apply(makeTensor(x, .permuted, as: Scalar.self).expanded(to: shape),
                                            makeTensor(y, .stepped, as: Scalar.self).expanded(to: shape))
                assertClose(result, expected, tolerance, "\(function) of expanded \(shapes.0), \(shapes.1)")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// Large enough to be split over threads (more than 2 · 2^15 elements), as one long run
    /// and as many short ones.
    @Test(arguments: [BinaryFunction.add, .multiply, .maximum, .less])
    func binaryLarge(function: BinaryFunction) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            for shapes in [([70_001], [70_001]), ([530, 131], [131]), ([530, 131], [530, 1])] {
                let (x, y) = function.operands(shapes, seed: 60, Scalar.self)
                assertClose(function.apply(makeTensor(x, as: Scalar.self), makeTensor(y, as: Scalar.self)),
                            Reference.combine(x, y, function.reference), .exact, "\(function) \(shapes)")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// IEEE special values through the binary operations: inf - inf, 0 / 0, NaN in
    /// comparisons (false except !=) and in maximum/minimum (NaN wins, from either side).
    @Test(arguments: [BinaryFunction.add, .subtract, .multiply, .divide, .maximum, .minimum, .equal, .notEqual,
                      .less, .lessOrEqual, .greater, .greaterOrEqual])
    func binarySpecialValues(function: BinaryFunction) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let specials: [Double] = [0, .infinity, -.infinity, .nan, 1, -3, Double(Scalar.greatestFiniteMagnitude)]
            let x = Reference(shape: [specials.count, 1], values: specials)
            let y = Reference(shape: [specials.count], values: specials)
            assertClose(function.apply(makeTensor(x, as: Scalar.self), makeTensor(y, .stepped, as: Scalar.self)),
                        Reference.combine(x, y, function.reference), .exact, "\(function) of special values")
        }
        check(Float.self)
        check(Double.self)
    }

    /// pow with negative bases: an odd integer exponent keeps the sign, an even one drops it,
    /// a non-integer one gives NaN; x^0 = 1 for every x.
    @Test func powerSpecialCases() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let bases: [Double] = [-2, -0.5, -3, 2, 0, .infinity, .nan]
            let exponents: [Double] = [3, 2, -1, 0.5, 0, -2, 1]
            let x = Reference(shape: [bases.count, 1], values: bases)
            let y = Reference(shape: [1, exponents.count], values: exponents)
            let expected = Reference.combine(x, y) { Foundation.pow($0, $1) }
            let tolerance = BinaryFunction.power.tolerance(x, y, Scalar.self)
            assertClose(makeTensor(x, as: Scalar.self).pow(makeTensor(y, as: Scalar.self)), expected, tolerance, "pow special cases")
        }
        check(Float.self)
        check(Double.self)
    }

    /// The scalar overloads, clamping and the compound assignments.
    @Test(arguments: Layout.allCases)
    func scalarOperands(layout: Layout) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let reference = Reference.random([3, 4, 5], in: -4...4, seed: 70, as: Scalar.self)
            let x = makeTensor(reference, layout, as: Scalar.self)
            let s = Scalar(1.75), d = 1.75
            let cases: [(Tensor<Scalar>, (Double) -> Double, String)] = [
                (x + s, { $0 + d }, "x + s"), (s + x, { d + $0 }, "s + x"), (x - s, { $0 - d }, "x - s"),
                (s - x, { d - $0 }, "s - x"), (x * s, { $0 * d }, "x * s"), (s * x, { d * $0 }, "s * x"),
                (x / s, { $0 / d }, "x / s"), (s / x, { d / $0 }, "s / x"),
                (x .> s, { $0 > d ? 1 : 0 }, "x .> s"), (x .< s, { $0 < d ? 1 : 0 }, "x .< s"),
                (x.maximum(s), { Swift.max($0, d) }, "maximum(s)"), (x.minimum(s), { Swift.min($0, d) }, "minimum(s)"),
                (x.clamped(min: -1.5, max: 2), { Swift.min(Swift.max($0, -1.5), 2) }, "clamped"),
            ]
            for (result, f, name) in cases {
                assertClose(result, reference.map(f), .exact, "\(name) on \(layout)")
            }
            let squares = x.pow(2)
            let two = Reference(shape: [], values: [2])
            assertClose(squares, reference.map { $0 * $0 }, BinaryFunction.power.tolerance(reference, two, Scalar.self),
                        "pow(2) on \(layout)")
            let other = Reference.random([4, 5], in: -4...4, seed: 71, as: Scalar.self)
            let y = makeTensor(other, layout, as: Scalar.self)
            var accumulated = x
            accumulated += y
            assertClose(accumulated, Reference.combine(reference, other, +), .exact, "+= on \(layout)")
            accumulated -= y
            let sum = Reference.combine(reference, other, +).map { Double(Scalar($0)) }  // as stored after +=
            assertClose(accumulated, Reference.combine(sum, other, -), .exact, "-= on \(layout)")
            accumulated = x
            accumulated *= y
            assertClose(accumulated, Reference.combine(reference, other, *), .exact, "*= on \(layout)")
            assertClose(x, reference, .exact, "the operand after compound assignments to a copy")
            // clamp passes NaN through.
            let withNaN = Tensor<Scalar>(shape: [3], scalars: [.nan, -9, 9]).clamped(min: -1, max: 1)
            assertClose(withNaN, Reference(shape: [3], values: [.nan, -1, 1]), .exact, "clamped with NaN")
        }
        check(Float.self)
        check(Double.self)
    }

    /// `select(where:_:else:)` takes `a` where the condition is nonzero (NaN is nonzero),
    /// with all three shapes broadcast together.
    @Test(arguments: [([3, 1, 4], [1, 5, 4], [4]), ([2, 3], [2, 3], [2, 3]), ([], [3, 37], [37]), ([6, 1], [], [1, 7])]
          as [([Int], [Int], [Int])])
    func select(conditionShape: [Int], aShape: [Int], bShape: [Int]) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            var generator = TestRandom(seed: 80)
            let choices: [Double] = [0, 1, -3, 0.5, .nan, 0, -0.0]
            let condition = Reference(shape: conditionShape) { _ in choices[Int.random(in: 0..<choices.count, using: &generator)] }
            let a = Reference.random(aShape, seed: 81, as: Scalar.self), b = Reference.random(bShape, seed: 82, as: Scalar.self)
            let shape = Reference.broadcastShape([conditionShape, aShape, bShape])
            let c = condition.expanded(to: shape), x = a.expanded(to: shape), y = b.expanded(to: shape)
            let expected = Reference(shape: shape, values: c.values.indices.map { c.values[$0] != 0 ? x.values[$0] : y.values[$0] })
            for (first, second) in layoutPairs {
                let result = Tensor.select(where: makeTensor(condition, first, as: Scalar.self),
                                           makeTensor(a, second, as: Scalar.self), else: makeTensor(b, first, as: Scalar.self))
                assertClose(result, expected, .exact, "select \(conditionShape) \(aShape) \(bShape), \(first)/\(second)")
            }
            // A comparison result as the mask, the usual use.
            let mask = makeTensor(a, as: Scalar.self) .> Tensor<Scalar>(0)
            let masked = Tensor.select(where: mask, makeTensor(a, as: Scalar.self), else: Tensor<Scalar>.zeros(aShape))
            assertClose(masked, a.map { $0 > 0 ? $0 : 0 }, .exact, "select on a comparison mask")
        }
        check(Float.self)
        check(Double.self)
    }
}
