// Elementwise loops: a contiguous SIMD fast path, broadcast-scalar paths, and a strided
// fallback that still computes through the same vector functions (so an element's value
// never depends on where it sits in memory).



/// A lane-wise function of one vector. Kernels are specialised on the conforming type (not
/// handed a closure), so the function is inlined into the loop even when the loop body runs
/// inside a Dispatch closure: a closure captured there stays an indirect call per vector.
protocol UnaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V
}

/// A lane-wise function of two vectors (see ``UnaryFunction``).
protocol BinaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V
}

/// x · -1, not `-x`: the standard library's SIMD negation is 0 - x, which keeps +0 positive.
enum NegateFunction: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { x * -1 } }
enum AbsFunction: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { V.abs(x) } }
enum SignFunction: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { V.sign(x) } }
enum ExpFunction: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { V.exp(x) } }
enum LogFunction: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { V.log(x) } }
enum Log1pFunction: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { V.log1p(x) } }
enum Expm1Function: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { V.expm1(x) } }
enum SquareRootFunction: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { x.squareRoot() } }
enum TanhFunction: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { V.tanh(x) } }
enum SigmoidFunction: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { V.sigmoid(x) } }
enum SoftplusFunction: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { V.softplus(x) } }
enum SquareFunction: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { x * x } }
enum ReciprocalFunction: UnaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V) -> V { 1 / x } }

enum AddFunction: BinaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V { x + y } }
enum SubtractFunction: BinaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V { x - y } }
enum MultiplyFunction: BinaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V { x * y } }
enum DivideFunction: BinaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V { x / y } }
enum PowerFunction: BinaryFunction { @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V { V.pow(x, y) } }
enum SwishFunction: BinaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ x: V, _ beta: V) -> V { x * V.sigmoid(beta * x) }
}
enum TanhGradientFunction: BinaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ g: V, _ y: V) -> V { g * (1 - y * y) }
}
enum SigmoidGradientFunction: BinaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ g: V, _ y: V) -> V { g * y * (1 - y) }
}
/// A lane-wise function of three vectors (see ``UnaryFunction``).
protocol TernaryFunction {
    static func apply<V: FloatVector>(_ x: V, _ y: V, _ z: V) -> V
}
/// d/dx of x·σ(βx), times g: g·(σ + βx σ(1 - σ)).
enum SwishInputGradientFunction: TernaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ g: V, _ x: V, _ beta: V) -> V {
        let s = V.sigmoid(beta * x)
        return g * (s + beta * x * s * (1 - s))
    }
}
/// d/dβ of x·σ(βx), times g: g·x² σ(1 - σ).
enum SwishBetaGradientFunction: TernaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ g: V, _ x: V, _ beta: V) -> V {
        let s = V.sigmoid(beta * x)
        return g * x * x * s * (1 - s)
    }
}


/// NaN in either operand wins, as in PyTorch's `maximum`.
enum MaximumFunction: BinaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V { x.replacing(with: y, where: V.isLess(x, y) .| V.isNotEqual(y, y)) }
}
enum MinimumFunction: BinaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V { x.replacing(with: y, where: V.isLess(y, x) .| V.isNotEqual(y, y)) }
}
enum EqualFunction: BinaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V { V(repeating: 0).replacing(with: 1, where: V.isEqual(x, y)) }
}
enum NotEqualFunction: BinaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V { V(repeating: 0).replacing(with: 1, where: V.isNotEqual(x, y)) }
}
enum LessFunction: BinaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V { V(repeating: 0).replacing(with: 1, where: V.isLess(x, y)) }
}
enum LessOrEqualFunction: BinaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V { V(repeating: 0).replacing(with: 1, where: V.isLessOrEqual(x, y)) }
}
enum GreaterFunction: BinaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V { V(repeating: 0).replacing(with: 1, where: V.isLess(y, x)) }
}
enum GreaterOrEqualFunction: BinaryFunction {
    @inline(__always) static func apply<V: FloatVector>(_ x: V, _ y: V) -> V { V(repeating: 0).replacing(with: 1, where: V.isLessOrEqual(y, x)) }
}

enum ElementwiseKernels {
    /// Work below this many elements stays on the calling thread (the Dispatch wake-up costs
    /// more than it saves).
    static let parallelThreshold = 1 << 15

    static func unary<V: FloatVector>(
        _: V.Type, _ operation: UnaryOperation, _ layout: StridedLayout,
        _ input: UnsafePointer<V.Scalar>, _ output: UnsafeMutablePointer<V.Scalar>
    ) {
        // A static switch: each case is its own specialisation with the function inlined.
        func run<F: UnaryFunction>(_: F.Type) { unaryMap(V.self, F.self, layout, input, output) }
        switch operation {
        case .negate: run(NegateFunction.self)
        case .abs: run(AbsFunction.self)
        case .sign: run(SignFunction.self)
        case .exp: run(ExpFunction.self)
        case .log: run(LogFunction.self)
        case .log1p: run(Log1pFunction.self)
        case .expm1: run(Expm1Function.self)
        case .squareRoot: run(SquareRootFunction.self)
        case .tanh: run(TanhFunction.self)
        case .sigmoid: run(SigmoidFunction.self)
        case .softplus: run(SoftplusFunction.self)
        case .square: run(SquareFunction.self)
        case .reciprocal: run(ReciprocalFunction.self)
        }
    }

    static func binary<V: FloatVector>(
        _: V.Type, _ operation: BinaryOperation, _ layout: StridedLayout,
        _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, _ output: UnsafeMutablePointer<V.Scalar>
    ) {
        func run<F: BinaryFunction>(_: F.Type) { binaryMap(V.self, F.self, layout, a, b, output) }
        switch operation {
        case .add: run(AddFunction.self)
        case .subtract: run(SubtractFunction.self)
        case .multiply: run(MultiplyFunction.self)
        case .divide: run(DivideFunction.self)
        case .power: run(PowerFunction.self)
        case .swish: run(SwishFunction.self)
        case .tanhGradient: run(TanhGradientFunction.self)
        case .sigmoidGradient: run(SigmoidGradientFunction.self)
        case .maximum: run(MaximumFunction.self)
        case .minimum: run(MinimumFunction.self)
        case .equal: run(EqualFunction.self)
        case .notEqual: run(NotEqualFunction.self)
        case .less: run(LessFunction.self)
        case .lessOrEqual: run(LessOrEqualFunction.self)
        case .greater: run(GreaterFunction.self)
        case .greaterOrEqual: run(GreaterOrEqualFunction.self)
        }
    }

    static func ternary<V: FloatVector>(
        _: V.Type, _ operation: TernaryOperation, _ layout: StridedLayout, _ x: UnsafePointer<V.Scalar>,
        _ y: UnsafePointer<V.Scalar>, _ z: UnsafePointer<V.Scalar>, _ output: UnsafeMutablePointer<V.Scalar>
    ) {
        func run<F: TernaryFunction>(_: F.Type) { ternaryMap(V.self, F.self, layout, x, y, z, output) }
        switch operation {
        case .swishInputGradient: run(SwishInputGradientFunction.self)
        case .swishBetaGradient: run(SwishBetaGradientFunction.self)
        }
    }

    /// `output = condition != 0 ? a : b`.
    static func select<V: FloatVector>(
        _: V.Type, _ layout: StridedLayout, _ condition: UnsafePointer<V.Scalar>,
        _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, _ output: UnsafeMutablePointer<V.Scalar>
    ) {
        let width = V.scalarCount
        forEachRun(layout) { offsets, count in
            let c = condition + offsets[1], x = a + offsets[2], y = b + offsets[3], out = output + offsets[0]
            let (sc, sx, sy, so) = (layout.innerStride(1), layout.innerStride(2), layout.innerStride(3), layout.innerStride(0))
            var index = 0
            while index < count {
                let lanes = min(width, count - index)
                let cv = V.loadPartial(c + index * sc, count: lanes, stride: sc, fill: 0)
                let xv = V.loadPartial(x + index * sx, count: lanes, stride: sx, fill: 0)
                let yv = V.loadPartial(y + index * sy, count: lanes, stride: sy, fill: 0)
                yv.replacing(with: xv, where: V.isNotEqual(cv, .zero)).storePartial(to: out + index * so, count: lanes, stride: so)
                index += lanes
            }
        }
    }

    // MARK: - Loops

    /// Runs `body(offsets, count)` for every inner run, split over threads by outer runs (or,
    /// for one long run, by aligned pieces of it).
    @inline(__always)
    static func forEachRun(_ layout: StridedLayout, _ body: (UnsafeMutableBufferPointer<Int>, Int) -> Void) {
        let inner = layout.innerCount
        let outer = layout.outerCount
        if outer == 1 {
            Parallelism.forEachChunk(of: inner, minimumChunk: parallelThreshold, alignment: 64) { range in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: layout.strides.count) { offsets in
                    for operand in 0..<layout.strides.count { offsets[operand] = range.lowerBound * layout.innerStride(operand) }
                    body(offsets, range.count)
                }
            }
        } else {
            Parallelism.forEachChunk(of: outer, minimumChunk: max(1, parallelThreshold / max(inner, 1))) { range in
                layout.forEachInnerRun(in: range) { _, offsets in body(offsets, inner) }
            }
        }
    }

    static func unaryMap<V: FloatVector, F: UnaryFunction>(
        _: V.Type, _: F.Type, _ layout: StridedLayout,
        _ input: UnsafePointer<V.Scalar>, _ output: UnsafeMutablePointer<V.Scalar>
    ) {
        let width = V.scalarCount
        let inputStride = layout.innerStride(1), outputStride = layout.innerStride(0)
        forEachRun(layout) { offsets, count in
            let x = input + offsets[1], out = output + offsets[0]
            var index = 0
            if inputStride == 1 && outputStride == 1 {
                while index + width <= count {
                    F.apply(V.loadUnaligned(x + index)).store(to: out + index)
                    index += width
                }
            }
            while index < count {
                let lanes = min(width, count - index)
                F.apply(V.loadPartial(x + index * inputStride, count: lanes, stride: inputStride, fill: 0))
                    .storePartial(to: out + index * outputStride, count: lanes, stride: outputStride)
                index += lanes
            }
        }
    }

    static func binaryMap<V: FloatVector, F: BinaryFunction>(
        _: V.Type, _: F.Type, _ layout: StridedLayout, _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
        _ output: UnsafeMutablePointer<V.Scalar>
    ) {
        let width = V.scalarCount
        let aStride = layout.innerStride(1), bStride = layout.innerStride(2), outputStride = layout.innerStride(0)
        forEachRun(layout) { offsets, count in
            let x = a + offsets[1], y = b + offsets[2], out = output + offsets[0]
            var index = 0
            if outputStride == 1 {
                if aStride == 1 && bStride == 1 {
                    while index + width <= count {
                        F.apply(V.loadUnaligned(x + index), V.loadUnaligned(y + index)).store(to: out + index)
                        index += width
                    }
                } else if aStride == 1 && bStride == 0 {
                    let yv = V(repeating: y.pointee)
                    while index + width <= count {
                        F.apply(V.loadUnaligned(x + index), yv).store(to: out + index)
                        index += width
                    }
                } else if aStride == 0 && bStride == 1 {
                    let xv = V(repeating: x.pointee)
                    while index + width <= count {
                        F.apply(xv, V.loadUnaligned(y + index)).store(to: out + index)
                        index += width
                    }
                }
            }
            while index < count {
                let lanes = min(width, count - index)
                F.apply(V.loadPartial(x + index * aStride, count: lanes, stride: aStride, fill: 1),
                  V.loadPartial(y + index * bStride, count: lanes, stride: bStride, fill: 1))
                    .storePartial(to: out + index * outputStride, count: lanes, stride: outputStride)
                index += lanes
            }
        }
    }

    static func ternaryMap<V: FloatVector, F: TernaryFunction>(
        _: V.Type, _: F.Type, _ layout: StridedLayout, _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
        _ c: UnsafePointer<V.Scalar>, _ output: UnsafeMutablePointer<V.Scalar>
    ) {
        let width = V.scalarCount
        let (so, sa, sb, sc) = (layout.innerStride(0), layout.innerStride(1), layout.innerStride(2), layout.innerStride(3))
        forEachRun(layout) { offsets, count in
            let x = a + offsets[1], y = b + offsets[2], z = c + offsets[3], out = output + offsets[0]
            var index = 0
            if so == 1 && sa == 1 && sb == 1 {
                if sc == 1 {
                    while index + width <= count {
                        F.apply(V.loadUnaligned(x + index), V.loadUnaligned(y + index), V.loadUnaligned(z + index))
                            .store(to: out + index)
                        index += width
                    }
                } else if sc == 0 {
                    let zv = V(repeating: z.pointee)
                    while index + width <= count {
                        F.apply(V.loadUnaligned(x + index), V.loadUnaligned(y + index), zv).store(to: out + index)
                        index += width
                    }
                }
            }
            while index < count {
                let lanes = min(width, count - index)
                F.apply(V.loadPartial(x + index * sa, count: lanes, stride: sa, fill: 1),
                        V.loadPartial(y + index * sb, count: lanes, stride: sb, fill: 1),
                        V.loadPartial(z + index * sc, count: lanes, stride: sc, fill: 1))
                    .storePartial(to: out + index * so, count: lanes, stride: so)
                index += lanes
            }
        }
    }
}
