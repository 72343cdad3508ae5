// Differentiable reductions: sum, max and min over axes (mean, variance and norms are
// composites in `Composite.swift`).

import Tensor

extension Variable {
    /// The sum over `axes` (all when nil).
    public func sum(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Variable {
        let resolved = axes ?? Array(0..<value.rank)
        return .record(.sum, .reduction(axes: resolved, keepingDimensions: keepingDimensions), [self],
                       value.sum(axes: resolved, keepingDimensions: keepingDimensions))
    }

    /// The maximum over `axes`; the gradient goes to the maximal elements, split among ties.
    public func max(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Variable {
        let resolved = axes ?? Array(0..<value.rank)
        return .record(.max, .reduction(axes: resolved, keepingDimensions: keepingDimensions), [self],
                       value.max(axes: resolved, keepingDimensions: keepingDimensions))
    }

    /// The minimum over `axes`; the gradient goes to the minimal elements, split among ties.
    public func min(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Variable {
        let resolved = axes ?? Array(0..<value.rank)
        return .record(.min, .reduction(axes: resolved, keepingDimensions: keepingDimensions), [self],
                       value.min(axes: resolved, keepingDimensions: keepingDimensions))
    }
}
