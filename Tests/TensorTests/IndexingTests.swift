// Gather, scatter and scatter-add by index tables over trailing axes (the MERA's
// `x[:, :, I, J]` and its write-back), concatenate, stack and region assignment, against
// naive loops over coordinates.

import Testing
import Tensor

/// `result[o, t] = source[o, table[t]]` over the last `trailing` axes, by coordinates.
func naiveGather(_ source: Reference, trailing: Int, shape tableShape: [Int], positions: [Int]) -> Reference {
    let outer = Array(source.shape.dropLast(trailing)), block = Array(source.shape.suffix(trailing))
    return Reference(shape: outer + tableShape) { c in
        let t = Array(c.suffix(tableShape.count))
        let position = positions[Reference.flatIndex(t, in: tableShape)]
        return source[Array(c.prefix(outer.count)) + Reference.coordinates(of: position, in: block)]
    }
}

/// `base` with `values[o, t]` written (or added) at `table[t]` of the trailing block, in
/// table order, and how many values landed on each element.
func naiveScatter(_ base: Reference, _ values: Reference, trailing: Int, shape tableShape: [Int], positions: [Int],
                  adding: Bool) -> (Reference, hits: [Int]) {
    var result = base
    var hits = [Int](repeating: 0, count: base.count)
    let outer = Array(base.shape.dropLast(trailing)), block = Array(base.shape.suffix(trailing))
    for flat in 0..<values.count {
        let c = Reference.coordinates(of: flat, in: values.shape)
        let t = Array(c.suffix(tableShape.count))
        let target = Array(c.prefix(outer.count)) + Reference.coordinates(of: positions[Reference.flatIndex(t, in: tableShape)], in: block)
        result[target] = adding ? result[target] + values.values[flat] : values.values[flat]
        hits[Reference.flatIndex(target, in: base.shape)] += 1
    }
    return (result, hits)
}

/// (source shape, trailing axes, table shape, positions).
struct IndexCase: Sendable, CustomTestStringConvertible {
    let shape: [Int], trailing: Int, tableShape: [Int], positions: [Int]
    var testDescription: String { "\(shape) trailing \(trailing) table \(tableShape)" }
    var table: IndexTable { IndexTable(shape: tableShape, positions: positions, sourceCount: shape.suffix(trailing).reduce(1, *)) }
}

let indexCases: [IndexCase] = [
    // x[:, :, I, J] with I = [0, 3, 4, 7] and J = [1, 2, 5, 6] as an outer product on 8 x 8.
    IndexCase(shape: [2, 3, 8, 8], trailing: 2, tableShape: [4, 4],
              positions: [0, 3, 4, 7].flatMap { i in [1, 2, 5, 6].map { i * 8 + $0 } }),
    // A MERA-style [blocks, blocks, k, k] table: 2 x 2 blocks of 2 x 2 pixels, every other pixel.
    IndexCase(shape: [2, 3, 8, 8], trailing: 2, tableShape: [2, 2, 2, 2],
              positions: (0..<16).map { index in
                  let (bi, bj, i, j) = (index / 8, (index / 4) % 2, (index / 2) % 2, index % 2)
                  return (bi * 4 + i * 2 + 1) * 8 + (bj * 4 + j * 2 + 1)
              }),
    // One trailing axis, positions out of order.
    IndexCase(shape: [3, 4, 7], trailing: 1, tableShape: [5], positions: [6, 0, 3, 2, 5]),
    // A permutation of a whole block (gather then scatter restores it).
    IndexCase(shape: [5, 6], trailing: 1, tableShape: [2, 3], positions: [5, 1, 3, 0, 4, 2]),
    // Repeated positions (scatter: the last wins; scatter-add: they accumulate).
    IndexCase(shape: [2, 3, 4, 4], trailing: 2, tableShape: [3, 3], positions: [0, 5, 5, 15, 0, 0, 7, 5, 10]),
    // Zero trailing axes: the block is one element.
    IndexCase(shape: [4, 3], trailing: 0, tableShape: [2], positions: [0, 0]),
]

@Suite struct IndexingTests {
    @Test(arguments: indexCases)
    func gather(indexCase: IndexCase) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let source = Reference.random(indexCase.shape, seed: 800, as: Scalar.self)
            let expected = naiveGather(source, trailing: indexCase.trailing, shape: indexCase.tableShape, positions: indexCase.positions)
            for layout in Layout.allCases {
                let result = makeTensor(source, layout, as: Scalar.self).gathered(trailingAxes: indexCase.trailing, indexCase.table)
                assertClose(result, expected, .exact, "gather \(indexCase) from \(layout)")
            }
            #expect(indexCase.table.hasRepeats == (Set(indexCase.positions).count != indexCase.positions.count))
        }
        check(Float.self)
        check(Double.self)
    }

    @Test(arguments: indexCases)
    func scatter(indexCase: IndexCase) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let base = Reference.random(indexCase.shape, seed: 801, as: Scalar.self)
            let outer = Array(indexCase.shape.dropLast(indexCase.trailing))
            let values = Reference.random(outer + indexCase.tableShape, seed: 802, as: Scalar.self)
            let (written, _) = naiveScatter(base, values, trailing: indexCase.trailing, shape: indexCase.tableShape,
                                            positions: indexCase.positions, adding: false)
            let (added, hits) = naiveScatter(base, values, trailing: indexCase.trailing, shape: indexCase.tableShape,
                                             positions: indexCase.positions, adding: true)
            // Each element receives `hits` additions in Scalar, each rounding once.
            let u = unitRoundoff(Scalar.self)
            var magnitudes = base.values.map { Swift.abs($0) }
            let (absoluteAdded, _) = naiveScatter(base.map { Swift.abs($0) }, values.map { Swift.abs($0) }, trailing: indexCase.trailing,
                                                  shape: indexCase.tableShape, positions: indexCase.positions, adding: true)
            magnitudes = absoluteAdded.values
            let addTolerance = Tolerance.elementwise(hits.indices.map { Double(hits[$0]) * u * magnitudes[$0] })
            for (baseLayout, valueLayout) in layoutPairs {
                let x = makeTensor(base, baseLayout, as: Scalar.self)
                let v = makeTensor(values, valueLayout, as: Scalar.self)
                assertClose(x.scattering(v, trailingAxes: indexCase.trailing, indexCase.table), written, .exact,
                            "scatter \(indexCase) into \(baseLayout) from \(valueLayout)")
                assertClose(x.scatteringAdd(v, trailingAxes: indexCase.trailing, indexCase.table), added, addTolerance,
                            "scatter-add \(indexCase) into \(baseLayout) from \(valueLayout)")
                assertClose(x, base, .exact, "the base after scattering into a copy of it")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// Scatter-add is the adjoint of gather: ⟨gather(x), y⟩ = ⟨x, scatterAdd(0, y)⟩, in Double.
    @Test(arguments: indexCases)
    func scatterAddIsAdjointOfGather(indexCase: IndexCase) {
        let x = Reference.random(indexCase.shape, seed: 803, as: Double.self)
        let outer = Array(indexCase.shape.dropLast(indexCase.trailing))
        let y = Reference.random(outer + indexCase.tableShape, seed: 804, as: Double.self)
        let gathered = makeTensor(x, as: Double.self).gathered(trailingAxes: indexCase.trailing, indexCase.table)
        let scattered = Tensor<Double>.zeros(indexCase.shape).scatteringAdd(makeTensor(y, .stepped, as: Double.self),
                                                                           trailingAxes: indexCase.trailing, indexCase.table)
        let left = zip(gathered.scalars, y.values).reduce(0) { $0 + $1.0 * $1.1 }
        let right = zip(x.values, scattered.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        let scale = zip(gathered.scalars, y.values).reduce(0) { $0 + Swift.abs($1.0 * $1.1) }
        #expect(Swift.abs(left - right) <= Double(2 * y.count + 2) * unitRoundoff(Double.self) * scale,
                "⟨gather x, y⟩ = \(left), ⟨x, scatterAdd y⟩ = \(right)")
    }

    /// A permutation table: scattering the gathered values back restores the tensor.
    @Test func gatherScatterRoundTrip() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let positions = [13, 2, 7, 0, 15, 4, 9, 11, 1, 14, 3, 8, 6, 12, 5, 10]
            let table = IndexTable(shape: [4, 4], positions: positions, sourceCount: 16)
            let x = Reference.random([3, 4, 4], seed: 805, as: Scalar.self)
            let tensor = makeTensor(x, .stepped, as: Scalar.self)
            let restored = Tensor<Scalar>.full([3, 4, 4], value: .nan)
                .scattering(tensor.gathered(trailingAxes: 2, table), trailingAxes: 2, table)
            assertClose(restored, x, .exact, "scatter(gather(x)) with a permutation")
            #expect(!table.hasRepeats)
        }
        check(Float.self)
        check(Double.self)
    }

    /// Concatenation of pieces in different layouts, along each axis, including an empty piece.
    @Test(arguments: [0, 1, 2, -1])
    func concatenate(axis: Int) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let resolved = axis < 0 ? axis + 3 : axis
            let extents = [2, 1, 0, 3]
            var pieces: [Reference] = []
            for (index, extent) in extents.enumerated() {
                var shape = [2, 3, 4]
                shape[resolved] = extent
                pieces.append(Reference.random(shape, seed: UInt64(810 + index), as: Scalar.self))
            }
            var shape = [2, 3, 4]
            shape[resolved] = extents.reduce(0, +)
            let expected = Reference(shape: shape) { c in
                var local = c
                var piece = 0
                while local[resolved] >= extents[piece] {
                    local[resolved] -= extents[piece]
                    piece += 1
                }
                return pieces[piece][local]
            }
            let tensors = pieces.enumerated().map { makeTensor($0.element, Layout.allCases[$0.offset % 4], as: Scalar.self) }
            assertClose(Tensor.concatenate(tensors, axis: axis), expected, .exact, "concatenate along \(axis)")
            assertClose(Tensor.concatenate([tensors[0]], axis: axis), pieces[0], .exact, "concatenate one tensor")
            let expanded = makeTensor(Reference.random([1, 1, 1], seed: 815, as: Scalar.self), as: Scalar.self).expanded(to: pieces[3].shape)
            let withBroadcast = Tensor.concatenate([tensors[3], expanded], axis: axis)
            assertClose(withBroadcast, Reference(shape: withBroadcast.shape) { c in
                c[resolved] < extents[3] ? pieces[3][c] : Double(expanded[0, 0, 0])
            }, .exact, "concatenate with an expanded piece")
        }
        check(Float.self)
        check(Double.self)
    }

    @Test(arguments: [0, 1, 2, -1, -3])
    func stack(axis: Int) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let pieces = (0..<3).map { Reference.random([3, 4], seed: UInt64(820 + $0), as: Scalar.self) }
            let resolved = axis < 0 ? axis + 3 : axis
            var shape = [3, 4]
            shape.insert(3, at: resolved)
            let expected = Reference(shape: shape) { c in
                var local = c
                let piece = local.remove(at: resolved)
                return pieces[piece][local]
            }
            let tensors = pieces.enumerated().map { makeTensor($0.element, Layout.allCases[($0.offset + 1) % 4], as: Scalar.self) }
            assertClose(Tensor.stack(tensors, axis: axis), expected, .exact, "stack along \(axis)")
        }
        check(Float.self)
        check(Double.self)
    }

    /// `assign(_:axis:start:)` writes a region in place and leaves copies alone.
    @Test func assignRegion() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let base = Reference.random([4, 6, 3], seed: 830, as: Scalar.self)
            let values = Reference.random([4, 2, 3], seed: 831, as: Scalar.self)
            for layout in Layout.allCases {
                var tensor = makeTensor(base, layout, as: Scalar.self)
                let copy = tensor
                tensor.assign(makeTensor(values, .permuted, as: Scalar.self), axis: 1, start: 3)
                let expected = Reference(shape: base.shape) { c in
                    (3..<5).contains(c[1]) ? values[[c[0], c[1] - 3, c[2]]] : base[c]
                }
                assertClose(tensor, expected, .exact, "assign into \(layout)")
                assertClose(copy, base, .exact, "a copy after assigning into the original")
            }
        }
        check(Float.self)
        check(Double.self)
    }
}
