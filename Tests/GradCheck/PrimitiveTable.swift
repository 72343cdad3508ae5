// The table of differentiable primitives: every Primitive case has at least one entry, each
// with its own input domain, including broadcast pairs and non-contiguous views.

import Autograd
import Tensor

/// A fixed gather table over a 3x4 block with a repeated position (overlapping gather).
let overlappingTable = IndexTable(shape: [2, 3], positions: [0, 5, 5, 11, 2, 0], sourceCount: 12)
/// A scatter table without repeats.
let scatterTable = IndexTable(shape: [2, 2], positions: [1, 4, 6, 11], sourceCount: 12)
/// The table, built for a scalar type so the same entries run through the Double kernels
/// (against finite differences) and the Float kernels (against the Double gradients).
func primitiveTable<S: TensorScalar>(_: S.Type) -> [GradSpec<S>] {
    let selectMask = Tensor<S>(shape: [3, 4], scalars: [1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1])
    let ramp = Tensor<S>.arange(0, 24).reshaped([3, 4, 2])
    return [
        // Binary arithmetic, same shapes, broadcast pairs (3,1)/(1,4), and a transposed view.
        GradSpec(.add, "add", [([3, 4], .any), ([3, 4], .any)]) { $0[0] + $0[1] },
        GradSpec(.add, "add broadcast (3,1)+(1,4)", [([3, 1], .any), ([1, 4], .any)]) { $0[0] + $0[1] },
        GradSpec(.add, "add rank broadcast (2,3,4)+(4)", [([2, 3, 4], .any), ([4], .any)]) { $0[0] + $0[1] },
        GradSpec(.subtract, "subtract broadcast", [([3, 1], .any), ([1, 4], .any)]) { $0[0] - $0[1] },
        GradSpec(.multiply, "multiply", [([3, 4], .any), ([3, 4], .any)]) { $0[0] * $0[1] },
        GradSpec(.multiply, "multiply broadcast transposed", [([4, 3], .any), ([1, 4], .any)]) { $0[0].transposed() * $0[1].transposed().transposed() },
        GradSpec(.divide, "divide", [([3, 4], .any), ([3, 4], .awayFromZero)]) { $0[0] / $0[1] },
        GradSpec(.divide, "divide broadcast", [([3, 4], .any), ([4], .awayFromZero)]) { $0[0] / $0[1] },
        GradSpec(.negate, "negate", [([3, 4], .any)]) { -$0[0] },
        // Unary functions, one on a permuted (non-contiguous) view.
        GradSpec(.exp, "exp", [([3, 4], .any)]) { $0[0].exp() },
        GradSpec(.exp, "exp of permuted", [([2, 3, 4], .any)]) { $0[0].permuted([2, 0, 1]).exp() },
        GradSpec(.log, "log", [([3, 4], .positive)]) { $0[0].log() },
        GradSpec(.log1p, "log1p", [([3, 4], .any)]) { ($0[0] * 0.4).log1p() },
        GradSpec(.expm1, "expm1", [([3, 4], .any)]) { $0[0].expm1() },
        GradSpec(.squareRoot, "squareRoot", [([3, 4], .positive)]) { $0[0].squareRoot() },
        GradSpec(.tanh, "tanh", [([3, 4], .any)]) { $0[0].tanh() },
        GradSpec(.sigmoid, "sigmoid", [([3, 4], .any)]) { $0[0].sigmoid() },
        GradSpec(.abs, "abs", [([3, 4], .awayFromZero)]) { $0[0].abs() },
        GradSpec(.power, "power 2.5", [([3, 4], .positive)]) { $0[0].pow(2.5) },
        GradSpec(.power, "power 3 negative base", [([3, 4], .awayFromZero)]) { $0[0].pow(3) },
        GradSpec(.power, "power -0.5", [([3, 4], .positive)]) { $0[0].pow(-0.5) },
        // Away from ties: the second operand is offset from the first.
        GradSpec(.maximum, "maximum", [([3, 4], .any), ([3, 4], .awayFromZero)]) { $0[0].maximum($0[0] + $0[1] * 0.3) },
        GradSpec(.maximum, "maximum broadcast", [([3, 4], .awayFromZero), ([1, 4], .any)]) { $0[0].maximum($0[1] * 0.01) },
        GradSpec(.minimum, "minimum", [([3, 4], .any), ([3, 4], .awayFromZero)]) { $0[0].minimum($0[0] + $0[1] * 0.3) },
        GradSpec(.clamp, "clamp", [([3, 4], .awayFromTies)]) { $0[0].clamped(min: -0.12, max: 0.13) },
        GradSpec(.select, "select", [([3, 4], .any), ([3, 4], .any)]) { Variable.select(where: selectMask, $0[0], else: $0[1]) },
        GradSpec(.select, "select broadcast", [([3, 4], .any), ([4], .any)]) { Variable.select(where: selectMask, $0[0], else: $0[1]) },
        GradSpec(.swish, "swish with per-feature beta", [([5, 4], .any), ([4], .any)]) { $0[0].swish(beta: $0[1]) },
        GradSpec(.swish, "swish with scalar beta", [([5, 4], .any), ([], .positive)]) { $0[0].swish(beta: $0[1]) },
        // Reductions over several axis sets.
        GradSpec(.sum, "sum all", [([3, 4], .any)]) { $0[0].sum() },
        GradSpec(.sum, "sum axes 0,2 keeping", [([2, 3, 4], .any)]) { $0[0].sum(axes: [0, 2], keepingDimensions: true) },
        GradSpec(.sum, "sum axis -1 of sliced", [([3, 6], .any)]) { $0[0].sliced(axis: 1, start: 1, step: 2).sum(axes: [-1]) },
        GradSpec(.max, "max axis 1", [([3, 4], .awayFromTies)]) { $0[0].max(axes: [1]) },
        GradSpec(.max, "max all", [([3, 4], .awayFromTies)]) { $0[0].max() },
        GradSpec(.min, "min axes 0", [([3, 4], .awayFromTies)]) { $0[0].min(axes: [0], keepingDimensions: true) },
        // Views.
        GradSpec(.reshape, "reshape", [([3, 4], .any)]) { $0[0].reshaped([2, 6]) * $0[0].reshaped([2, 6]) },
        GradSpec(.reshape, "reshape of transposed (copy)", [([3, 4], .any)]) { $0[0].transposed().reshaped([12]).exp() },
        GradSpec(.permute, "permute", [([2, 3, 4], .any)]) { $0[0].permuted([1, 2, 0]) * Variable(ramp) },
        GradSpec(.slice, "slice with step", [([4, 6], .any)]) { $0[0].sliced(axis: 1, start: 1, end: 6, step: 2).exp() },
        GradSpec(.slice, "slice ::2, ::2 of 4-D", [([2, 2, 4, 4], .any)]) { $0[0].sliced(axis: 2, step: 2).sliced(axis: 3, step: 2).squared() },
        GradSpec(.expand, "expand", [([3, 1], .any)]) { $0[0].expanded(to: [2, 3, 4]).exp() },
        // Indexing.
        GradSpec(.gather, "gather with repeated positions", [([2, 3, 4], .any)]) { $0[0].gathered(trailingAxes: 2, overlappingTable).exp() },
        GradSpec(.scatter, "scatter", [([2, 3, 4], .any), ([2, 2, 2], .any)]) { $0[0].scattering($0[1], trailingAxes: 2, scatterTable).exp() },
        GradSpec(.concatenate, "concatenate", [([2, 3], .any), ([2, 2], .any)]) { Variable.concatenate([$0[0], $0[1]], axis: 1).exp() },
        GradSpec(.concatenate, "stack", [([2, 3], .any), ([2, 3], .any)]) { Variable.stack([$0[0], $0[1]], axis: 1).exp() },
        // Matrix products in every transpose form, with bias, and batched.
        GradSpec(.matmul, "matmul", [([3, 4], .any), ([4, 5], .any)]) { Variable.matmul($0[0], $0[1]) },
        GradSpec(.matmul, "matmul Aᵀ·B", [([4, 3], .any), ([4, 5], .any)]) { Variable.matmul($0[0], $0[1], transposingA: true) },
        GradSpec(.matmul, "matmul A·Bᵀ with bias", [([3, 4], .any), ([5, 4], .any), ([5], .any)]) {
            Variable.matmul($0[0], $0[1], transposingB: true, bias: $0[2])
        },
        GradSpec(.matmul, "matmul Aᵀ·Bᵀ", [([4, 3], .any), ([5, 4], .any)]) { Variable.matmul($0[0], $0[1], transposingA: true, transposingB: true) },
        GradSpec(.matmul, "batched matmul with shared B", [([2, 3, 4], .any), ([4, 5], .any)]) { Variable.matmul($0[0], $0[1]) },
    ]
}
