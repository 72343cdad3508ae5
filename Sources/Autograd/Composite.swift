// Composite operations built from primitives; they need no derivative rule of their own.

import Tensor

extension Variable {
    /// x².
    public func squared() -> Variable { self * self }

    /// ln(1 + e^x) as max(x, 0) + ln(1 + e^(-|x|)): stable for large |x|; at 0 the tie rule of
    /// `maximum` and abs'(0) = 0 give the exact derivative 1/2.
    public func softplus() -> Variable {
        maximum(Variable(Scalar(0))) + (-abs()).exp().log1p()
    }

    /// ln σ(x) = -softplus(-x).
    public func logSigmoid() -> Variable { -(-self).softplus() }

    /// The mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Variable {
        let axes = axes ?? Array(0..<value.rank)
        let count = axes.map { value.shape[$0 < 0 ? $0 + value.rank : $0] }.reduce(1, *)
        return sum(axes: axes, keepingDimensions: keepingDimensions) / Scalar(count)
    }

    /// The variance over `axes`, unbiased (÷ (n - 1)) by default as PyTorch's `var`.
    public func variance(axes: [Int]? = nil, keepingDimensions: Bool = false, unbiased: Bool = true) -> Variable {
        let axes = axes ?? Array(0..<value.rank)
        let count = axes.map { value.shape[$0 < 0 ? $0 + value.rank : $0] }.reduce(1, *)
        let deviation = self - mean(axes: axes, keepingDimensions: true)
        return deviation.squared().sum(axes: axes, keepingDimensions: keepingDimensions) / Scalar(unbiased ? count - 1 : count)
    }

    /// √(Σ x²) over `axes` (the gradient is undefined where the norm is 0).
    public func norm(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Variable {
        squared().sum(axes: axes, keepingDimensions: keepingDimensions).squareRoot()
    }

    /// ln Σ e^x over `axes`, shifted by the (constant) maximum so nothing overflows.
    public func logSumExp(axes: [Int], keepingDimensions: Bool = false) -> Variable {
        let shift = Variable(value.max(axes: axes, keepingDimensions: true))
        let summed = (self - shift).exp().sum(axes: axes, keepingDimensions: true).log() + shift
        guard !keepingDimensions else { return summed }
        var shape = value.shape
        for axis in axes.map({ $0 < 0 ? $0 + value.rank : $0 }).sorted(by: >) { shape.remove(at: axis) }
        return summed.reshaped(shape)
    }
}
