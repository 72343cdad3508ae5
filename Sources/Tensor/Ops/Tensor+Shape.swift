// Views that copy nothing: reshape, permute, transpose, slice, expand, squeeze; and copies.

extension Tensor {
    /// Normalises a possibly negative axis (`-1` is the last axis).
    func normalizedAxis(_ axis: Int, operation: String, rank axisCount: Int? = nil) -> Int {
        let count = axisCount ?? rank
        let resolved = axis < 0 ? axis + count : axis
        precondition(resolved >= 0 && resolved < count,
                     "\(operation): axis \(axis) out of range for shape \(shape)")
        return resolved
    }

    /// A dense row-major copy with its own storage.
    public func copied() -> Tensor {
        var result = Tensor(uninitializedShape: shape)
        result.assign(from: self)
        return result
    }

    /// `self` when it is already dense and row-major, else a dense copy.
    public func contiguous() -> Tensor {
        isContiguous && !hasBroadcastAxes ? self : copied()
    }

    /// Writes `source` (of the same shape) into this tensor's elements in place.
    mutating func assign(from source: Tensor) {
        precondition(source.shape == shape, "assign: shapes \(source.shape) and \(shape) differ")
        makeUniqueContiguousIfShared()
        let layout = StridedLayout(shape: shape, strides: [strides, source.strides])
        withExtendedLifetime(source) {
            BitCopy.copy(layout, from: UnsafePointer(source.basePointer), to: basePointer)
        }
    }

    /// The same elements viewed with another shape, sharing storage.
    ///
    /// One extent may be `-1` and is then inferred. The view exists whenever each group of
    /// axes that is merged or split was itself laid out contiguously; otherwise this stops
    /// with a message: call `contiguous().reshaped(_:)` to copy explicitly.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        let target = resolvedShape(newShape)
        guard let newStrides = viewStrides(for: target) else {
            preconditionFailure(
                "reshape: cannot view shape \(shape) with strides \(strides) as \(target) without a copy; use contiguous().reshaped(\(target))")
        }
        return Tensor(storage: storage, shape: target, strides: newStrides, offset: offset)
    }

    /// Whether ``reshaped(_:)`` can produce a view (no copy) for this shape.
    public func canReshapeWithoutCopy(_ newShape: [Int]) -> Bool {
        viewStrides(for: resolvedShape(newShape)) != nil
    }

    private func resolvedShape(_ newShape: [Int]) -> [Int] {
        var target = newShape
        let inferred = target.indices.filter { target[$0] == -1 }
        precondition(inferred.count <= 1, "reshape: more than one -1 in \(newShape)")
        let known = target.filter { $0 != -1 }.reduce(1, *)
        if let axis = inferred.first {
            precondition(known > 0 && scalarCount % known == 0,
                         "reshape: cannot infer -1 in \(newShape) for shape \(shape)")
            target[axis] = scalarCount / known
        }
        Tensor.validate(shape: target, operation: "reshape")
        precondition(target.reduce(1, *) == scalarCount,
                     "reshape: shape \(shape) (\(scalarCount) elements) cannot become \(newShape)")
        return target
    }

    /// Strides viewing this layout as `target`, or nil when some merged group is not
    /// contiguous in storage.
    private func viewStrides(for target: [Int]) -> [Int]? {
        if scalarCount == 0 { return Tensor.contiguousStrides(for: target) }
        // Walk the old axes in chunks whose product matches a chunk of new axes.
        let oldShape = shape.enumerated().filter { $0.element != 1 }.map { ($0.element, strides[$0.offset]) }
        var result = [Int](repeating: 0, count: target.count)
        var oldIndex = 0
        var newIndex = 0
        while newIndex < target.count {
            if target[newIndex] == 1 {
                result[newIndex] = 1  // any stride views an axis of extent 1
                newIndex += 1
                continue
            }
            // Gather old axes until their product reaches the new chunk product.
            var oldProduct = oldShape[oldIndex].0
            let chunkStart = oldIndex
            var newProduct = target[newIndex]
            let newStart = newIndex
            while oldProduct != newProduct {
                if oldProduct < newProduct {
                    oldIndex += 1
                    oldProduct *= oldShape[oldIndex].0
                } else {
                    newIndex += 1
                    newProduct *= target[newIndex]
                }
            }
            // The old chunk must be contiguous within itself.
            for axis in chunkStart..<oldIndex where oldShape[axis].1 != oldShape[axis + 1].1 * oldShape[axis + 1].0 {
                return nil
            }
            var running = oldShape[oldIndex].1
            for axis in stride(from: newIndex, through: newStart, by: -1) {
                result[axis] = running
                running *= target[axis]
            }
            oldIndex += 1
            newIndex += 1
        }
        return result
    }

    /// The axes reordered: result axis `k` is this tensor's axis `axes[k]`.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes.map { normalizedAxis($0, operation: "permute") }).count == rank,
                     "permute: \(axes) is not a permutation of the axes of shape \(shape)")
        let resolved = axes.map { normalizedAxis($0, operation: "permute") }
        return Tensor(storage: storage, shape: resolved.map { shape[$0] },
                      strides: resolved.map { strides[$0] }, offset: offset)
    }

    /// The last two axes swapped (a matrix transpose for rank 2).
    public func transposed() -> Tensor {
        precondition(rank >= 2, "transpose: needs at least 2 axes, got shape \(shape)")
        return transposed(rank - 2, rank - 1)
    }

    /// Axes `first` and `second` swapped.
    public func transposed(_ first: Int, _ second: Int) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(normalizedAxis(first, operation: "transpose"), normalizedAxis(second, operation: "transpose"))
        return permuted(axes)
    }

    /// Elements `start, start + step, ...` before `end` along `axis` (Python's
    /// `x[..., start:end:step]`). Negative `start`/`end` count from the end; both are clamped
    /// to the axis like Python's slices.
    public func sliced(axis: Int, start: Int = 0, end: Int? = nil, step: Int = 1) -> Tensor {
        let axis = normalizedAxis(axis, operation: "slice")
        precondition(step > 0, "slice: step must be positive, got \(step)")
        let extent = shape[axis]
        func clamp(_ value: Int) -> Int { Swift.min(Swift.max(value < 0 ? value + extent : value, 0), extent) }
        let lower = clamp(start)
        let upper = Swift.max(lower, clamp(end ?? extent))
        var result = self
        result.shape[axis] = (upper - lower + step - 1) / step
        result.strides[axis] = strides[axis] * step
        result.offset = offset + lower * strides[axis]
        return result
    }

    /// A view of `shape` where this tensor's axes of extent 1 (and any missing leading axes)
    /// repeat with stride 0, following NumPy's broadcasting rules.
    public func expanded(to target: [Int]) -> Tensor {
        precondition(target.count >= rank, "expand: cannot expand shape \(shape) to fewer axes \(target)")
        let lead = target.count - rank
        var newStrides = [Int](repeating: 0, count: target.count)
        for axis in 0..<rank {
            let extent = shape[axis]
            let wanted = target[lead + axis]
            if extent == wanted {
                newStrides[lead + axis] = strides[axis]
            } else {
                precondition(extent == 1, "expand: shape \(shape) cannot be expanded to \(target)")
            }
        }
        return Tensor(storage: storage, shape: target, strides: newStrides, offset: offset)
    }

    /// Removes axis `axis`, which must have extent 1.
    public func squeezed(axis: Int) -> Tensor {
        let axis = normalizedAxis(axis, operation: "squeeze")
        precondition(shape[axis] == 1, "squeeze: axis \(axis) of shape \(shape) is not 1")
        var result = self
        result.shape.remove(at: axis)
        result.strides.remove(at: axis)
        return result
    }

    /// Inserts an axis of extent 1 at position `axis` (0 ... rank).
    public func unsqueezed(axis: Int) -> Tensor {
        let axis = normalizedAxis(axis, operation: "unsqueeze", rank: rank + 1)
        var result = self
        result.shape.insert(1, at: axis)
        result.strides.insert(axis < rank ? strides[axis] * shape[axis] : 1, at: axis)
        return result
    }

    /// The shape two operands broadcast to under NumPy's rules.
    public static func broadcastShape(_ first: [Int], _ second: [Int], operation: String = "broadcast") -> [Int] {
        let count = Swift.max(first.count, second.count)
        var result = [Int](repeating: 1, count: count)
        for axis in 0..<count {
            let a = axis < count - first.count ? 1 : first[axis - (count - first.count)]
            let b = axis < count - second.count ? 1 : second[axis - (count - second.count)]
            precondition(a == b || a == 1 || b == 1,
                         "\(operation): shapes \(first) and \(second) are not broadcastable")
            result[axis] = a == 1 ? b : a
        }
        return result
    }
}
