// The differentiable matrix product, with transposes read in place and a fused bias.

import Tensor

extension Variable {
    /// `op(a)·op(b) (+ bias)` for `[m, k]`·`[k, n]` (or batched `[batch, m, k]`), see
    /// `Tensor.matmul(_:_:transposingA:transposingB:bias:)`.
    ///
    /// - Parameters:
    ///   - bias: `[n]`, added to every row, or nil.
    public static func matmul(_ a: Variable, _ b: Variable, transposingA: Bool = false, transposingB: Bool = false,
                              bias: Variable? = nil) -> Variable {
        let result = Tensor.matmul(a.value, b.value, transposingA: transposingA, transposingB: transposingB,
                                   bias: bias?.value)
        let inputs = bias.map { [a, b, $0] } ?? [a, b]
        return .record(.matmul, .transposes(a: transposingA, b: transposingB), inputs, result)
    }
}
