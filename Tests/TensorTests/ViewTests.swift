// Creation, views (reshape, permute, transpose, slice, expand, squeeze) and copies, each
// checked element by element against the naive `Reference`, in Float and Double.

import Testing
import Tensor

// MARK: - Creation

@Suite struct CreationTests {
    @Test(arguments: [[], [0], [3], [2, 3, 4], [1, 5, 1]] as [[Int]])
    func constants(shape: [Int]) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let count = shape.reduce(1, *)
            let cases: [(Tensor<Scalar>, Double, String)] = [
                (.zeros(shape), 0, "zeros"), (.ones(shape), 1, "ones"),
                (.full(shape, value: -2.5), -2.5, "full"), (Tensor(repeating: 7, shape: shape), 7, "repeating"),
            ]
            for (tensor, value, name) in cases {
                #expect(tensor.rank == shape.count && tensor.scalarCount == count)
                #expect(tensor.isContiguous, "\(name) \(shape)")
                assertClose(tensor, Reference(shape: shape, values: [Double](repeating: value, count: count)), .exact, name)
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// `[start, start + step, ...]` strictly before `end` (after it for a negative step).
    @Test(arguments: [(0, 5, 1), (2, 11, 3), (5, 0, -1), (-1.5, 1.5, 0.5), (0, 1, 0.25), (3, 3, 1), (0, -1, 1),
                      (1, 2, 0.1), (10, -10, -2.5)] as [(Double, Double, Double)])
    func arange(start: Double, end: Double, step: Double) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            var expected: [Double] = []
            var i = 0
            while true {
                let value = Scalar(start) + Scalar(i) * Scalar(step)
                if step > 0 ? value >= Scalar(end) : value <= Scalar(end) { break }
                expected.append(Double(value))
                i += 1
            }
            let tensor = Tensor<Scalar>.arange(Scalar(start), Scalar(end), step: Scalar(step))
            assertClose(tensor, Reference(shape: [expected.count], values: expected), .exact,
                        "arange(\(start), \(end), step: \(step))")
        }
        check(Float.self)
        check(Double.self)
    }

    @Test(arguments: [0, 1, 4, 17])
    func identity(n: Int) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            assertClose(Tensor<Scalar>.identity(n), Reference(shape: [n, n]) { $0[0] == $0[1] ? 1 : 0 }, .exact, "identity")
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func fromScalarsAndElementAccess() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let reference = Reference.random([2, 3, 4], seed: 1, as: Scalar.self)
            let tensor = makeTensor(reference, as: Scalar.self)
            #expect(tensor.shape == [2, 3, 4] && tensor.strides == [12, 4, 1] && tensor.offset == 0)
            #expect(tensor.scalars.map(Double.init) == reference.values)
            #expect(Double(tensor[1, 2, 3]) == reference[[1, 2, 3]])
            let single = Tensor<Scalar>(-3.25)
            #expect(single.rank == 0 && single.scalarCount == 1 && single.scalar == -3.25 && single.scalars == [-3.25])
            #expect(tensor.description.hasPrefix("Tensor<\(Scalar.dtypeName)>[2, 3, 4]"))
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func conversion() {
        let specials: [Double] = [0, -0.0, 1, -1.5, .infinity, -.infinity, .nan, 1e-40, -1e-46, 3.5e38, -1e300,
                                  0.1, 1.0 / 3, Double(Float.greatestFiniteMagnitude), 16_777_217]
        let reference = Reference(shape: [3, 5], values: specials)
        for layout in Layout.allCases {
            // Double -> Float rounds to nearest (overflow to ±inf, underflow to 0 or subnormal).
            let double = makeTensor(reference, layout, as: Double.self)
            assertClose(double.converted(to: Float.self), reference.map { Double(Float($0)) }, .exact,
                        "Double -> Float, \(layout)")
            // Float -> Double is exact; Double -> Double is the identity.
            let floats = reference.map { Double(Float($0)) }
            assertClose(makeTensor(floats, layout, as: Float.self).converted(to: Double.self), floats, .exact,
                        "Float -> Double, \(layout)")
            assertClose(double.converted(to: Double.self), reference, .exact, "Double -> Double, \(layout)")
        }
    }
}

// MARK: - Views

/// Python's slice `start:end:step` resolved against an axis of `extent`, as a list of indices.
func pythonSliceIndices(extent: Int, start: Int, end: Int?, step: Int) -> [Int] {
    func resolve(_ value: Int) -> Int {
        let shifted = value < 0 ? value + extent : value
        return Swift.min(Swift.max(shifted, 0), extent)
    }
    let lower = resolve(start), upper = resolve(end ?? extent)
    return Array(stride(from: lower, to: upper, by: step))
}

@Suite struct ViewTests {
    static let permutations3 = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]

    @Test(arguments: Layout.allCases)
    func permute(layout: Layout) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let reference = Reference.random([2, 3, 4], seed: 2, as: Scalar.self)
            let tensor = makeTensor(reference, layout, as: Scalar.self)
            for axes in ViewTests.permutations3 {
                let view = tensor.permuted(axes)
                assertClose(view, reference.permuted(axes), .exact, "permuted(\(axes)) of \(layout)")
                #expect(view.strides == axes.map { tensor.strides[$0] } && view.offset == tensor.offset,
                        "permute must be a view")
            }
            // Negative axes count from the end.
            assertClose(tensor.permuted([-1, 0, -2]), reference.permuted([2, 0, 1]), .exact, "negative axes")
            let four = Reference.random([2, 3, 1, 5], seed: 3, as: Scalar.self)
            let fourTensor = makeTensor(four, layout, as: Scalar.self)
            for axes in [[3, 1, 0, 2], [1, 3, 2, 0], [0, 1, 2, 3]] {
                assertClose(fourTensor.permuted(axes), four.permuted(axes), .exact, "permuted(\(axes)) rank 4, \(layout)")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    @Test(arguments: Layout.allCases)
    func transpose(layout: Layout) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let matrix = Reference.random([3, 5], seed: 4, as: Scalar.self)
            assertClose(makeTensor(matrix, layout, as: Scalar.self).transposed(), matrix.permuted([1, 0]), .exact,
                        "matrix transpose, \(layout)")
            let cube = Reference.random([2, 3, 4], seed: 5, as: Scalar.self)
            let tensor = makeTensor(cube, layout, as: Scalar.self)
            assertClose(tensor.transposed(), cube.permuted([0, 2, 1]), .exact, "transposed() swaps the last two")
            assertClose(tensor.transposed(0, 2), cube.permuted([2, 1, 0]), .exact, "transposed(0, 2)")
            assertClose(tensor.transposed(-3, 1), cube.permuted([1, 0, 2]), .exact, "transposed(-3, 1)")
        }
        check(Float.self)
        check(Double.self)
    }

    /// (axis, start, end, step) on a [5, 7, 6] tensor, with Python's semantics.
    static let slices: [(Int, Int, Int?, Int)] = [
        (0, 0, nil, 1), (0, 1, 4, 1), (1, 2, nil, 2), (1, 0, 7, 3), (2, 1, 6, 4), (2, -3, nil, 1), (2, -4, -1, 2),
        (-1, 0, 100, 5), (1, -100, 3, 1), (0, 4, 2, 1), (1, 7, nil, 1), (2, 5, 6, 10), (-2, 3, -3, 1),
    ]

    @Test(arguments: Layout.allCases)
    func slice(layout: Layout) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let reference = Reference.random([5, 7, 6], seed: 6, as: Scalar.self)
            let tensor = makeTensor(reference, layout, as: Scalar.self)
            for (axis, start, end, step) in ViewTests.slices {
                let resolvedAxis = axis < 0 ? axis + 3 : axis
                let indices = pythonSliceIndices(extent: reference.shape[resolvedAxis], start: start, end: end, step: step)
                var shape = reference.shape
                shape[resolvedAxis] = indices.count
                let expected = Reference(shape: shape) { c in
                    var source = c
                    source[resolvedAxis] = indices[c[resolvedAxis]]
                    return reference[source]
                }
                let view = tensor.sliced(axis: axis, start: start, end: end, step: step)
                assertClose(view, expected, .exact, "sliced(axis: \(axis), start: \(start), end: \(String(describing: end)), step: \(step)) of \(layout)")
                if !indices.isEmpty {
                    #expect(view.strides[resolvedAxis] == tensor.strides[resolvedAxis] * step, "slice must be a view")
                }
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// The sampler's `z[:, :, ::k, ::k]`, and a slice of a slice.
    @Test(arguments: [2, 3, 4])
    func stridedSubsampling(k: Int) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let reference = Reference.random([2, 3, 8, 9], seed: 7, as: Scalar.self)
            for layout in Layout.allCases {
                let z = makeTensor(reference, layout, as: Scalar.self)
                let view = z.sliced(axis: 2, step: k).sliced(axis: 3, step: k)
                let expected = reference.sliced(axis: 2, start: 0, end: 8, step: k).sliced(axis: 3, start: 0, end: 9, step: k)
                assertClose(view, expected, .exact, "z[:, :, ::\(k), ::\(k)] of \(layout)")
                // Slicing the view again composes the steps.
                let twice = view.sliced(axis: 3, start: 1, step: 2)
                assertClose(twice, expected.sliced(axis: 3, start: 1, end: expected.shape[3], step: 2), .exact,
                            "slice of a stepped slice, \(layout)")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// (source shape, target shape) pairs under NumPy's broadcasting rules.
    static let expansions: [([Int], [Int])] = [
        ([3, 1, 5], [2, 3, 4, 5]), ([1], [4]), ([], [2, 3]), ([2, 1], [2, 1]), ([1, 1], [3, 2]), ([4], [3, 4]),
    ]

    @Test(arguments: [Layout.contiguous, .permuted, .stepped])
    func expand(layout: Layout) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            for (source, target) in ViewTests.expansions {
                let reference = Reference.random(source, seed: 8, as: Scalar.self)
                let tensor = makeTensor(reference, layout, as: Scalar.self)
                let view = tensor.expanded(to: target)
                assertClose(view, reference.expanded(to: target), .exact, "expand \(source) -> \(target), \(layout)")
                let lead = target.count - source.count
                for axis in target.indices where axis < lead || (source[axis - lead] == 1 && target[axis] != 1) {
                    #expect(view.strides[axis] == 0, "expanded axis \(axis) of \(source) -> \(target) must repeat with stride 0")
                }
            }
        }
        check(Float.self)
        check(Double.self)
    }

    @Test(arguments: Layout.allCases)
    func squeezeAndUnsqueeze(layout: Layout) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let reference = Reference.random([2, 1, 3, 1], seed: 9, as: Scalar.self)
            let tensor = makeTensor(reference, layout, as: Scalar.self)
            assertClose(tensor.squeezed(axis: 1), Reference(shape: [2, 3, 1], values: reference.values), .exact, "squeeze 1")
            assertClose(tensor.squeezed(axis: -1), Reference(shape: [2, 1, 3], values: reference.values), .exact, "squeeze -1")
            let matrix = Reference.random([2, 3], seed: 10, as: Scalar.self)
            let m = makeTensor(matrix, layout, as: Scalar.self)
            for (axis, shape) in [(0, [1, 2, 3]), (1, [2, 1, 3]), (2, [2, 3, 1]), (-1, [2, 3, 1]), (-3, [1, 2, 3])] {
                let view = m.unsqueezed(axis: axis)
                assertClose(view, Reference(shape: shape, values: matrix.values), .exact, "unsqueezed(axis: \(axis)), \(layout)")
                // The new axis can be sliced, expanded and squeezed like any other.
                let resolved = axis < 0 ? axis + 3 : axis
                var wide = shape
                wide[resolved] = 4
                assertClose(view.expanded(to: wide), Reference(shape: shape, values: matrix.values).expanded(to: wide), .exact,
                            "unsqueeze then expand")
                assertClose(view.squeezed(axis: axis), matrix, .exact, "unsqueeze then squeeze")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// The strides a view of `shape` needs so that its row-major element i sits at storage
    /// position `positions[i]`, or nil when no strides do: found by brute force.
    static func bruteForceViewStrides(positions: [Int], shape: [Int]) -> [Int]? {
        guard !positions.isEmpty else { return Tensor<Float>.contiguousStrides(for: shape) }
        var strides = [Int](repeating: 0, count: shape.count)
        for axis in shape.indices where shape[axis] > 1 {
            var unit = [Int](repeating: 0, count: shape.count)
            unit[axis] = 1
            strides[axis] = positions[Reference.flatIndex(unit, in: shape)] - positions[0]
        }
        for flat in positions.indices {
            let c = Reference.coordinates(of: flat, in: shape)
            var position = positions[0]
            for axis in c.indices { position += c[axis] * strides[axis] }
            if position != positions[flat] { return nil }
        }
        return strides
    }

    enum ReshapeSource: String, CaseIterable, Sendable {
        case contiguous, permuted, stepped, sliced, expanded, empty
    }

    /// (source, new shapes); the source is built in `reshapeSource`.
    static let reshapes: [(ReshapeSource, [[Int]])] = [
        (.contiguous, [[6, 4], [-1], [4, -1, 2], [2, 1, 12, 1], [24, 1], [1, 2, 3, 4], [3, 8]]),
        (.permuted, [[4, 6], [24], [4, 2, 3], [2, 2, 6], [-1, 3]]),
        (.stepped, [[12], [2, 2, 3], [4, 3, 1], [6, 2]]),
        (.sliced, [[12], [2, 2, 3], [4, 3], [3, 4]]),
        (.expanded, [[12], [3, 2, 2], [3, 4, 1], [1, 3, 4]]),
        (.empty, [[3, 0], [0], [0, 1, 3]]),
    ]

    static func reshapeSource<Scalar: TensorScalar>(_ source: ReshapeSource, _: Scalar.Type) -> (Tensor<Scalar>, Reference) {
        switch source {
        case .contiguous:
            let r = Reference.random([2, 3, 4], seed: 11, as: Scalar.self)
            return (makeTensor(r, as: Scalar.self), r)
        case .permuted:  // [4, 2, 3] view of a [2, 3, 4] tensor: axes 1 and 2 stay mergeable
            let r = Reference.random([2, 3, 4], seed: 12, as: Scalar.self)
            return (makeTensor(r, as: Scalar.self).permuted([2, 0, 1]), r.permuted([2, 0, 1]))
        case .stepped:  // x[:, ::2] of [4, 6]
            let r = Reference.random([4, 6], seed: 13, as: Scalar.self)
            return (makeTensor(r, as: Scalar.self).sliced(axis: 1, step: 2), r.sliced(axis: 1, start: 0, end: 6, step: 2))
        case .sliced:  // x[:, 1:4] of [4, 6]
            let r = Reference.random([4, 6], seed: 14, as: Scalar.self)
            return (makeTensor(r, as: Scalar.self).sliced(axis: 1, start: 1, end: 4), r.sliced(axis: 1, start: 1, end: 4, step: 1))
        case .expanded:  // [3, 1] -> [3, 4]
            let r = Reference.random([3, 1], seed: 15, as: Scalar.self)
            return (makeTensor(r, as: Scalar.self).expanded(to: [3, 4]), r.expanded(to: [3, 4]))
        case .empty:
            return (Tensor<Scalar>.zeros([0, 3]), Reference(shape: [0, 3], values: []))
        }
    }

    /// `reshaped` is a view exactly when strides exist for the new shape (brute force), and
    /// then it addresses the same storage cells; otherwise `contiguous().reshaped` copies.
    @Test(arguments: reshapes)
    func reshape(source: ReshapeSource, newShapes: [[Int]]) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let (tensor, reference) = ViewTests.reshapeSource(source, Scalar.self)
            let positions = storagePositions(tensor)
            for requested in newShapes {
                let known = requested.filter { $0 != -1 }.reduce(1, *)
                let shape = requested.map { $0 == -1 ? reference.count / known : $0 }
                let expected = Reference(shape: shape, values: reference.values)
                let viewStrides = ViewTests.bruteForceViewStrides(positions: positions, shape: shape)
                #expect(tensor.canReshapeWithoutCopy(requested) == (viewStrides != nil),
                        "canReshapeWithoutCopy(\(requested)) of \(source) \(tensor.shape) strides \(tensor.strides)")
                if viewStrides != nil {
                    let view = tensor.reshaped(requested)
                    assertClose(view, expected, .exact, "reshaped(\(requested)) of \(source)")
                    #expect(storagePositions(view) == positions, "reshaped(\(requested)) of \(source) must view the same storage")
                    if tensor.isContiguous && !positions.isEmpty {
                        let same = tensor.withUnsafeBufferPointer { a in view.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
                        #expect(same, "reshape of a contiguous tensor must not copy")
                    }
                } else {
                    assertClose(tensor.contiguous().reshaped(requested), expected, .exact, "contiguous().reshaped(\(requested)) of \(source)")
                }
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// `isContiguous` is true exactly when element i sits at offset + i; `contiguous()` then
    /// returns the same buffer, else a dense copy with the same values.
    @Test func contiguity() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let reference = Reference.random([3, 4, 5], seed: 16, as: Scalar.self)
            var tensors: [(Tensor<Scalar>, Reference, String)] = Layout.allCases.map {
                (makeTensor(reference, $0, as: Scalar.self), reference, $0.rawValue)
            }
            let row = Reference.random([1, 6], seed: 17, as: Scalar.self)
            tensors.append((makeTensor(row, as: Scalar.self).transposed(), row.permuted([1, 0]), "[1, 6] transposed"))
            let column = Reference.random([3, 1], seed: 18, as: Scalar.self)
            tensors.append((makeTensor(column, as: Scalar.self).expanded(to: [3, 4]), column.expanded(to: [3, 4]), "expanded"))
            tensors.append((makeTensor(reference, as: Scalar.self).sliced(axis: 0, start: 1), reference.sliced(axis: 0, start: 1, end: 3, step: 1), "leading slice"))
            for (tensor, expected, name) in tensors {
                let positions = storagePositions(tensor)
                let dense = positions == Array(tensor.offset..<(tensor.offset + positions.count))
                #expect(tensor.isContiguous == dense, "isContiguous of \(name)")
                let copy = tensor.contiguous()
                #expect(copy.isContiguous)
                assertClose(copy, expected, .exact, "contiguous() of \(name)")
                assertClose(tensor.copied(), expected, .exact, "copied() of \(name)")
                if dense {
                    let same = tensor.withUnsafeBufferPointer { a in copy.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
                    #expect(same, "contiguous() of the dense \(name) must not copy")
                }
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// Writing through one tensor never changes another that shared its storage.
    @Test func copyOnWrite() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let reference = Reference.random([3, 4], seed: 19, as: Scalar.self)
            let base = makeTensor(reference, as: Scalar.self)
            var copy = base
            copy[1, 2] = 100
            var view = base.transposed()
            view[3, 0] = -100
            var stepped = base.sliced(axis: 1, step: 2)
            stepped[2, 1] = 42
            var buffer = base.reshaped([12])
            buffer.withUnsafeMutableBufferPointer { $0[0] = 7 }
            assertClose(base, reference, .exact, "the base after writes through its copies")
            var expectedCopy = reference
            expectedCopy[[1, 2]] = 100
            assertClose(copy, expectedCopy, .exact, "the written copy")
            var expectedView = reference.permuted([1, 0])
            expectedView[[3, 0]] = -100
            assertClose(view, expectedView, .exact, "the written transposed view")
            var expectedStepped = reference.sliced(axis: 1, start: 0, end: 4, step: 2)
            expectedStepped[[2, 1]] = 42
            assertClose(stepped, expectedStepped, .exact, "the written stepped view")
            #expect(buffer[0] == 7 && Double(buffer[1]) == reference.values[1])
        }
        check(Float.self)
        check(Double.self)
    }

    /// Tensors with a 0 extent anywhere copy, combine and reduce like any other.
    @Test(arguments: [[3, 0], [0, 3], [2, 0, 4], [0]] as [[Int]])
    func emptyTensors(shape: [Int]) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let empty = Reference(shape: shape, values: [])
            let x = Tensor<Scalar>.zeros(shape)
            assertClose(x.contiguous(), empty, .exact, "contiguous() of \(shape)")
            assertClose(x.copied(), empty, .exact, "copied() of \(shape)")
            #expect(x.scalars.isEmpty)
            assertClose(x + x, empty, .exact, "x + x of \(shape)")
            assertClose(x.exp(), empty, .exact, "exp of \(shape)")
            let reversed = Array((0..<shape.count).reversed())
            assertClose(x.permuted(reversed).contiguous(), Reference(shape: reversed.map { shape[$0] }, values: []), .exact,
                        "permuted copy of \(shape)")
            for axis in shape.indices {
                var kept = shape
                kept.remove(at: axis)
                let count = kept.reduce(1, *)
                assertClose(x.sum(axes: [axis]), Reference(shape: kept, values: [Double](repeating: 0, count: count)), .exact,
                            "sum over axis \(axis) of \(shape)")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func broadcastShapes() {
        let pairs: [([Int], [Int])] = [([3, 1], [1, 4]), ([2, 3, 4], [4]), ([], [2, 3]), ([5, 1, 3], [2, 1]),
                                       ([1], [1]), ([0, 1], [1, 4]), ([2, 1, 3], [2, 4, 1])]
        for (a, b) in pairs {
            #expect(Tensor<Float>.broadcastShape(a, b) == Reference.broadcastShape([a, b]), "broadcast \(a), \(b)")
            #expect(Tensor<Double>.broadcastShape(b, a) == Reference.broadcastShape([a, b]), "broadcast \(b), \(a)")
        }
    }
}
