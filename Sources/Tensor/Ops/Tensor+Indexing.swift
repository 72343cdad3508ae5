// Gather and scatter by index tables over trailing axes, and concatenation.

/// A validated table of positions within a block of trailing axes, for ``Tensor`` gathers
/// and scatters: `x[:, :, I, J]` in NumPy becomes a gather over the last two axes with the
/// flattened positions `I * width + J`.
public struct IndexTable: Sendable, Hashable {
    /// The shape the gathered positions take in the result.
    public let shape: [Int]
    /// Flattened positions, row-major over `shape`.
    public let positions: [Int32]
    /// The number of positions in the indexed block (e.g. `height * width`).
    public let sourceCount: Int

    /// Creates a table; every position must lie in `0 ..< sourceCount`.
    public init(shape: [Int], positions: [Int], sourceCount: Int) {
        precondition(shape.reduce(1, *) == positions.count,
                     "IndexTable: shape \(shape) needs \(shape.reduce(1, *)) positions, got \(positions.count)")
        precondition(sourceCount < Int(Int32.max), "IndexTable: source block of \(sourceCount) is too large")
        if let bad = positions.first(where: { $0 < 0 || $0 >= sourceCount }) {
            preconditionFailure("IndexTable: position \(bad) outside 0..<\(sourceCount)")
        }
        self.shape = shape
        self.positions = positions.map { Int32($0) }
        self.sourceCount = sourceCount
    }

    /// Whether some position appears twice (then scatter keeps the last, scatter-add sums).
    public var hasRepeats: Bool { Set(positions).count != positions.count }
}

extension Tensor {
    private func splitTrailing(_ axisCount: Int, _ table: IndexTable, operation: String) -> (outer: [Int], inner: Int) {
        precondition(axisCount >= 0 && axisCount <= rank, "\(operation): \(axisCount) trailing axes of shape \(shape)")
        let outer = Array(shape.dropLast(axisCount))
        let inner = shape.suffix(axisCount).reduce(1, *)
        precondition(inner == table.sourceCount,
                     "\(operation): trailing axes \(Array(shape.suffix(axisCount))) hold \(inner) positions, the table indexes \(table.sourceCount)")
        return (outer, inner)
    }

    /// `result[o..., t...] = self[o..., table[t...]]`: gathers positions of the block formed by
    /// the last `axisCount` axes. Result shape: the leading axes, then `table.shape`.
    public func gathered(trailingAxes axisCount: Int, _ table: IndexTable) -> Tensor {
        let (outer, inner) = splitTrailing(axisCount, table, operation: "gather")
        let source = contiguous()
        let result = Tensor(uninitializedShape: outer + table.shape)
        withExtendedLifetime(source) {
            table.positions.withUnsafeBufferPointer { positions in
                BitCopy.gather(rows: outer.reduce(1, *), sourceRowLength: inner, table: positions,
                               from: UnsafePointer(source.basePointer), to: result.basePointer)
            }
        }
        return result
    }

    /// A copy of `self` with `values` written at the table's positions of the trailing block
    /// (the inverse of ``gathered(trailingAxes:_:)``); `values` has the gathered shape.
    public func scattering(_ values: Tensor, trailingAxes axisCount: Int, _ table: IndexTable) -> Tensor {
        scatter(values, axisCount, table, accumulating: false)
    }

    /// A copy of `self` with `values` added at the table's positions; repeated positions
    /// accumulate (the adjoint of a gather).
    public func scatteringAdd(_ values: Tensor, trailingAxes axisCount: Int, _ table: IndexTable) -> Tensor {
        scatter(values, axisCount, table, accumulating: true)
    }

    private func scatter(_ values: Tensor, _ axisCount: Int, _ table: IndexTable, accumulating: Bool) -> Tensor {
        let name = accumulating ? "scatterAdd" : "scatter"
        let (outer, inner) = splitTrailing(axisCount, table, operation: name)
        precondition(values.shape == outer + table.shape,
                     "\(name): values of shape \(values.shape), expected \(outer + table.shape)")
        let result = copied()
        let source = values.contiguous()
        withExtendedLifetime(source) {
            table.positions.withUnsafeBufferPointer { positions in
                let rows = outer.reduce(1, *)
                if accumulating {
                    Scalar.kernels.scatterAdd(rows, inner, positions, UnsafePointer(source.basePointer), result.basePointer)
                } else {
                    BitCopy.scatter(rows: rows, destinationRowLength: inner, table: positions,
                                    from: UnsafePointer(source.basePointer), to: result.basePointer)
                }
            }
        }
        return result
    }

    /// The tensors joined along `axis`; all other extents must agree.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate: no tensors")
        let first = tensors[0]
        let axis = first.normalizedAxis(axis, operation: "concatenate")
        for tensor in tensors {
            precondition(tensor.rank == first.rank && (0..<first.rank).allSatisfy { $0 == axis || tensor.shape[$0] == first.shape[$0] },
                         "concatenate: shape \(tensor.shape) does not match \(first.shape) off axis \(axis)")
        }
        var shape = first.shape
        shape[axis] = tensors.map { $0.shape[axis] }.reduce(0, +)
        let result = Tensor(uninitializedShape: shape)
        var start = 0
        for tensor in tensors {
            var window = result.sliced(axis: axis, start: start, end: start + tensor.shape[axis])
            window.storage = result.storage  // same buffer: write through the view
            let layout = StridedLayout(shape: tensor.shape, strides: [window.strides, tensor.strides])
            withExtendedLifetime(tensor) {
                BitCopy.copy(layout, from: UnsafePointer(tensor.basePointer), to: window.basePointer)
            }
            start += tensor.shape[axis]
        }
        return result
    }

    /// The tensors, all of one shape, stacked along a new axis at `axis`.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: no tensors")
        let axis = axis < 0 ? axis + tensors[0].rank + 1 : axis
        for tensor in tensors {
            precondition(tensor.shape == tensors[0].shape, "stack: shapes \(tensor.shape) and \(tensors[0].shape) differ")
        }
        return concatenate(tensors.map { $0.unsqueezed(axis: axis) }, axis: axis)
    }

    /// Writes `values` into the region `start, start + step, ...` of `axis` (as many positions
    /// as `values` has along that axis), in place; copies first only if storage is shared.
    public mutating func assign(_ values: Tensor, axis: Int, start: Int, step: Int = 1) {
        makeUniqueContiguous()
        let axis = normalizedAxis(axis, operation: "assign")
        if values.scalarCount == 0 { return }
        let window = sliced(axis: axis, start: start, end: start + step * (values.shape[axis] - 1) + 1, step: step)
        precondition(window.shape == values.shape, "assign: region \(window.shape) does not fit values \(values.shape)")
        let layout = StridedLayout(shape: values.shape, strides: [window.strides, values.strides])
        withExtendedLifetime(values) {
            BitCopy.copy(layout, from: UnsafePointer(values.basePointer), to: window.basePointer)
        }
    }
}
