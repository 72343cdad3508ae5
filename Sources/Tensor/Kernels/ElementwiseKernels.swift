// Elementwise loops: a contiguous SIMD fast path, broadcast-scalar paths, and a strided
// fallback that still computes through the same vector functions (so an element's value
// never depends on where it sits in memory).

/// Unary elementwise operations with a vector kernel.
enum UnaryOperation: CaseIterable, Sendable {
    case negate, abs, sign, exp, log, log1p, expm1, squareRoot, tanh, sigmoid, softplus, square, reciprocal
}

/// Binary elementwise operations with a vector kernel. Comparisons give 1 or 0.
enum BinaryOperation: CaseIterable, Sendable {
    case add, subtract, multiply, divide, power, maximum, minimum
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
}

enum ElementwiseKernels {
    /// Work below this many elements stays on the calling thread (the Dispatch wake-up costs
    /// more than it saves).
    static let parallelThreshold = 1 << 15

    static func unary<V: FloatVector>(
        _: V.Type, _ operation: UnaryOperation, _ layout: StridedLayout,
        _ input: UnsafePointer<V.Scalar>, _ output: UnsafeMutablePointer<V.Scalar>
    ) {
        switch operation {
        case .negate: unaryMap(layout, input, output) { (x: V) in -x }
        case .abs: unaryMap(layout, input, output) { (x: V) in V.abs(x) }
        case .sign: unaryMap(layout, input, output) { (x: V) in V.sign(x) }
        case .exp: unaryMap(layout, input, output) { (x: V) in V.exp(x) }
        case .log: unaryMap(layout, input, output) { (x: V) in V.log(x) }
        case .log1p: unaryMap(layout, input, output) { (x: V) in V.log1p(x) }
        case .expm1: unaryMap(layout, input, output) { (x: V) in V.expm1(x) }
        case .squareRoot: unaryMap(layout, input, output) { (x: V) in x.squareRoot() }
        case .tanh: unaryMap(layout, input, output) { (x: V) in V.tanh(x) }
        case .sigmoid: unaryMap(layout, input, output) { (x: V) in V.sigmoid(x) }
        case .softplus: unaryMap(layout, input, output) { (x: V) in V.softplus(x) }
        case .square: unaryMap(layout, input, output) { (x: V) in x * x }
        case .reciprocal: unaryMap(layout, input, output) { (x: V) in 1 / x }
        }
    }

    static func binary<V: FloatVector>(
        _: V.Type, _ operation: BinaryOperation, _ layout: StridedLayout,
        _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, _ output: UnsafeMutablePointer<V.Scalar>
    ) {
        switch operation {
        case .add: binaryMap(layout, a, b, output) { (x: V, y: V) in x + y }
        case .subtract: binaryMap(layout, a, b, output) { (x: V, y: V) in x - y }
        case .multiply: binaryMap(layout, a, b, output) { (x: V, y: V) in x * y }
        case .divide: binaryMap(layout, a, b, output) { (x: V, y: V) in x / y }
        case .power: binaryMap(layout, a, b, output) { (x: V, y: V) in V.pow(x, y) }
        case .maximum:
            binaryMap(layout, a, b, output) { (x: V, y: V) in
                x.replacing(with: y, where: (y .> x) .| (y .!= y))
            }
        case .minimum:
            binaryMap(layout, a, b, output) { (x: V, y: V) in
                x.replacing(with: y, where: (y .< x) .| (y .!= y))
            }
        case .equal: binaryMap(layout, a, b, output) { (x: V, y: V) in V(repeating: 0).replacing(with: 1, where: x .== y) }
        case .notEqual: binaryMap(layout, a, b, output) { (x: V, y: V) in V(repeating: 0).replacing(with: 1, where: x .!= y) }
        case .less: binaryMap(layout, a, b, output) { (x: V, y: V) in V(repeating: 0).replacing(with: 1, where: x .< y) }
        case .lessOrEqual: binaryMap(layout, a, b, output) { (x: V, y: V) in V(repeating: 0).replacing(with: 1, where: x .<= y) }
        case .greater: binaryMap(layout, a, b, output) { (x: V, y: V) in V(repeating: 0).replacing(with: 1, where: x .> y) }
        case .greaterOrEqual: binaryMap(layout, a, b, output) { (x: V, y: V) in V(repeating: 0).replacing(with: 1, where: x .>= y) }
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
                yv.replacing(with: xv, where: cv .!= 0).storePartial(to: out + index * so, count: lanes, stride: so)
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

    @inline(__always)
    static func unaryMap<V: FloatVector>(
        _ layout: StridedLayout, _ input: UnsafePointer<V.Scalar>, _ output: UnsafeMutablePointer<V.Scalar>,
        _ f: (V) -> V
    ) {
        let width = V.scalarCount
        let inputStride = layout.innerStride(1), outputStride = layout.innerStride(0)
        forEachRun(layout) { offsets, count in
            let x = input + offsets[1], out = output + offsets[0]
            var index = 0
            if inputStride == 1 && outputStride == 1 {
                while index + width <= count {
                    f(V.loadUnaligned(x + index)).store(to: out + index)
                    index += width
                }
            }
            while index < count {
                let lanes = min(width, count - index)
                f(V.loadPartial(x + index * inputStride, count: lanes, stride: inputStride, fill: 0))
                    .storePartial(to: out + index * outputStride, count: lanes, stride: outputStride)
                index += lanes
            }
        }
    }

    @inline(__always)
    static func binaryMap<V: FloatVector>(
        _ layout: StridedLayout, _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>,
        _ output: UnsafeMutablePointer<V.Scalar>, _ f: (V, V) -> V
    ) {
        let width = V.scalarCount
        let aStride = layout.innerStride(1), bStride = layout.innerStride(2), outputStride = layout.innerStride(0)
        forEachRun(layout) { offsets, count in
            let x = a + offsets[1], y = b + offsets[2], out = output + offsets[0]
            var index = 0
            if outputStride == 1 {
                if aStride == 1 && bStride == 1 {
                    while index + width <= count {
                        f(V.loadUnaligned(x + index), V.loadUnaligned(y + index)).store(to: out + index)
                        index += width
                    }
                } else if aStride == 1 && bStride == 0 {
                    let yv = V(repeating: y.pointee)
                    while index + width <= count {
                        f(V.loadUnaligned(x + index), yv).store(to: out + index)
                        index += width
                    }
                } else if aStride == 0 && bStride == 1 {
                    let xv = V(repeating: x.pointee)
                    while index + width <= count {
                        f(xv, V.loadUnaligned(y + index)).store(to: out + index)
                        index += width
                    }
                }
            }
            while index < count {
                let lanes = min(width, count - index)
                f(V.loadPartial(x + index * aStride, count: lanes, stride: aStride, fill: 1),
                  V.loadPartial(y + index * bStride, count: lanes, stride: bStride, fill: 1))
                    .storePartial(to: out + index * outputStride, count: lanes, stride: outputStride)
                index += lanes
            }
        }
    }
}
