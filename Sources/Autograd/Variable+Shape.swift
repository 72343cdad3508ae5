// Differentiable views: reshape, permute, transpose, slice, expand, squeeze and unsqueeze.

import Tensor

extension Variable {
    /// The same elements with another shape (copying only when no view exists).
    public func reshaped(_ shape: [Int]) -> Variable {
        let result = value.canReshapeWithoutCopy(shape) ? value.reshaped(shape) : value.contiguous().reshaped(shape)
        return .record(.reshape, [self], result)
    }

    /// Axes reordered: result axis k is axis `axes[k]`.
    public func permuted(_ axes: [Int]) -> Variable { .record(.permute, .permutation(axes), [self], value.permuted(axes)) }

    /// The last two axes swapped.
    public func transposed() -> Variable {
        var axes = Array(0..<value.rank)
        axes.swapAt(value.rank - 2, value.rank - 1)
        return permuted(axes)
    }

    /// Elements start, start + step, ... before end along `axis` (Python's slice).
    public func sliced(axis: Int, start: Int = 0, end: Int? = nil, step: Int = 1) -> Variable {
        let axis = axis < 0 ? axis + value.rank : axis
        let extent = value.shape[axis]
        let lower = Swift.min(Swift.max(start < 0 ? start + extent : start, 0), extent)
        return .record(.slice, .slice(axis: axis, start: lower, step: step), [self],
                       value.sliced(axis: axis, start: start, end: end, step: step))
    }

    /// Broadcast to `shape` (NumPy rules); the gradient sums over the repeated axes.
    public func expanded(to shape: [Int]) -> Variable { .record(.expand, [self], value.expanded(to: shape)) }

    /// Removes an axis of extent 1.
    public func squeezed(axis: Int) -> Variable { reshaped(value.squeezed(axis: axis).shape) }

    /// Inserts an axis of extent 1.
    public func unsqueezed(axis: Int) -> Variable { reshaped(value.unsqueezed(axis: axis).shape) }
}
