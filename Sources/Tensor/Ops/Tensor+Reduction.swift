// Reductions over any set of axes: sum, mean, variance, standard deviation, max, min, norm.
//
// Sums use a fixed pairwise tree over blocks (ReductionKernels), so they are accurate and
// bitwise identical for any thread count.

extension Tensor {
    /// Resolves, validates and sorts reduction axes; `nil` means all axes.
    func reductionAxes(_ axes: [Int]?, operation: String) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        let resolved = axes.map { normalizedAxis($0, operation: operation) }
        precondition(Set(resolved).count == resolved.count, "\(operation): repeated axis in \(axes) for shape \(shape)")
        return resolved.sorted()
    }

    /// The shape after reducing `axes`, with those axes kept as 1 or removed.
    func reducedShape(_ axes: [Int], keepingDimensions: Bool) -> [Int] {
        if keepingDimensions { return shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element } }
        return shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    func reduced(_ operation: ReductionOperation, axes requested: [Int]?, keepingDimensions: Bool, name: String) -> Tensor {
        let axes = reductionAxes(requested, operation: name)
        let kept = (0..<rank).filter { !axes.contains($0) }
        let outputShape = reducedShape(axes, keepingDimensions: keepingDimensions)
        let reducedCount = axes.map { shape[$0] }.reduce(1, *)
        let keptCount = kept.map { shape[$0] }.reduce(1, *)
        if reducedCount == 0 {
            precondition(operation == .sum, "\(name): reduction over an empty axis of shape \(shape)")
            return Tensor.zeros(outputShape)
        }
        let result = Tensor(uninitializedShape: outputShape)
        let dense = isContiguous && !hasBroadcastAxes
        if dense && keptCount == 1 {
            // Everything is reduced: one long row.
            withExtendedLifetime(self) {
                Scalar.kernels.reduceRows(operation, 1, reducedCount, reducedCount,
                                          UnsafePointer(basePointer), result.basePointer)
            }
        } else if dense && axes == Array(0..<axes.count) {
            // Leading axes of a dense tensor: column reduction in place, no copy.
            withExtendedLifetime(self) {
                Scalar.kernels.reduceColumns(operation, reducedCount, keptCount, keptCount,
                                             UnsafePointer(basePointer), result.basePointer)
            }
        } else {
            let rows = permuted(kept + axes).contiguous()
            withExtendedLifetime(rows) {
                Scalar.kernels.reduceRows(operation, keptCount, reducedCount, reducedCount,
                                          UnsafePointer(rows.basePointer), result.basePointer)
            }
        }
        return result
    }

    /// The sum over `axes` (all axes when nil); reduced axes are removed unless
    /// `keepingDimensions`.
    public func sum(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        reduced(.sum, axes: axes, keepingDimensions: keepingDimensions, name: "sum")
    }

    /// The arithmetic mean over `axes`.
    public func mean(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let count = reductionAxes(axes, operation: "mean").map { shape[$0] }.reduce(1, *)
        return sum(axes: axes, keepingDimensions: keepingDimensions) / Scalar(count)
    }

    /// The variance over `axes`: Σ(x - mean)² / (n - 1) when `unbiased` (the default, as
    /// PyTorch's `var`), else / n. Computed in two passes, so it does not cancel.
    public func variance(axes: [Int]? = nil, keepingDimensions: Bool = false, unbiased: Bool = true) -> Tensor {
        let count = reductionAxes(axes, operation: "variance").map { shape[$0] }.reduce(1, *)
        let deviation = self - mean(axes: axes, keepingDimensions: true)
        let squares = deviation.squared().sum(axes: axes, keepingDimensions: keepingDimensions)
        return squares / Scalar(unbiased ? count - 1 : count)
    }

    /// The square root of ``variance(axes:keepingDimensions:unbiased:)``.
    public func standardDeviation(axes: [Int]? = nil, keepingDimensions: Bool = false, unbiased: Bool = true) -> Tensor {
        variance(axes: axes, keepingDimensions: keepingDimensions, unbiased: unbiased).squareRoot()
    }

    /// The largest element over `axes` (NaN if any is NaN).
    public func max(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        reduced(.maximum, axes: axes, keepingDimensions: keepingDimensions, name: "max")
    }

    /// The smallest element over `axes` (NaN if any is NaN).
    public func min(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        reduced(.minimum, axes: axes, keepingDimensions: keepingDimensions, name: "min")
    }

    /// The Euclidean norm √(Σ x²) over `axes`.
    public func norm(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        squared().sum(axes: axes, keepingDimensions: keepingDimensions).squareRoot()
    }
}
