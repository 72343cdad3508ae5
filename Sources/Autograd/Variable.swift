// Variable: a tensor that remembers how it was computed, so gradients can flow back to it.

import Tensor

/// A differentiable value: a ``Tensor`` plus, when some input requires a gradient, the
/// operation that produced it.
///
/// Operations on variables compute their result at once (eager mode) and, while
/// ``GradientMode/isRecording`` and some operand requires a gradient, link the result to its
/// operands. ``backward(seed:retainingGraph:)`` walks those links in reverse topological order
/// applying the derivative rules of `Derivatives.swift`.
///
/// Variables that need no gradient (constants, inputs, anything under
/// ``GradientMode/withoutGradients(_:)``) carry no graph and cost nothing beyond their tensor.
public struct Variable<Scalar: TensorScalar>: @unchecked Sendable {
    // @unchecked: the node is only touched by the thread that builds and differentiates it.

    /// The value.
    public let value: Tensor<Scalar>
    let node: Node<Scalar>?

    init(value: Tensor<Scalar>, node: Node<Scalar>?) {
        self.value = value
        self.node = node
    }

    /// A constant: no gradient flows into it.
    public init(_ value: Tensor<Scalar>) {
        self.init(value: value, node: nil)
    }

    /// A leaf that collects its own gradient (read it with ``gradient`` after backward) when
    /// `requiresGradient`, else a constant.
    public init(_ value: Tensor<Scalar>, requiresGradient: Bool) {
        self.init(value: value, node: requiresGradient ? Node(leafWithValue: value) : nil)
    }

    /// A constant scalar of rank 0.
    public init(_ scalar: Scalar) {
        self.init(Tensor(scalar))
    }

    /// The shape of ``value``.
    public var shape: [Int] { value.shape }

    /// Whether a gradient flows back through this value.
    public var requiresGradient: Bool { node != nil }

    /// For a leaf created with `requiresGradient: true`, the gradient accumulated by backward
    /// passes so far (nil before the first); nil for other variables.
    public var gradient: Tensor<Scalar>? {
        guard let node, node.isLeaf, node.parameter == nil else { return nil }
        return node.gradient
    }

    /// Drops the gradient accumulated on this leaf.
    public func zeroGradient() {
        if let node, node.isLeaf { node.gradient = nil }
    }

    /// The same value, cut off from the graph.
    public var detached: Variable { Variable(value) }

    /// Records `primitive` (with the attributes its rule reads) applied to `inputs` with
    /// `result`, or returns a constant when nothing needs a gradient.
    static func record(_ primitive: Primitive, _ inputs: [Variable], _ result: Tensor<Scalar>) -> Variable {
        record(primitive, .none, inputs, result)
    }

    /// Records a primitive whose rule reads `attributes`.
    static func record(_ primitive: Primitive, _ attributes: OperationAttributes, _ inputs: [Variable],
                       _ result: Tensor<Scalar>) -> Variable {
        guard GradientMode.isRecording, inputs.contains(where: { $0.node != nil }) else { return Variable(result) }
        return Variable(value: result, node: Node(operation: Operation(primitive: primitive, attributes: attributes),
                                                  inputs: inputs, result: result))
    }
}

/// One step of the recorded computation.
final class Node<Scalar: TensorScalar> {
    /// The operation that produced this node's value (nil for leaves).
    let operation: Operation?
    /// The operands (values and their nodes); emptied after backward to free activations.
    var inputs: [Variable<Scalar>]
    /// The value this node produced (kept for derivative rules that use `result`).
    var result: Tensor<Scalar>?
    /// The parameter a leaf delivers its gradient to.
    let parameter: Parameter<Scalar>?
    /// A derivative given as a closure instead of a rule (checkpointed blocks).
    var customPullback: ((Tensor<Scalar>) -> [Tensor<Scalar>?])?
    /// Gradient accumulated during a backward pass (for leaves: across passes).
    var gradient: Tensor<Scalar>?
    let resultShape: [Int]

    var isLeaf: Bool { operation == nil && customPullback == nil }

    init(operation: Operation, inputs: [Variable<Scalar>], result: Tensor<Scalar>) {
        self.operation = operation
        self.inputs = inputs
        self.result = result
        self.parameter = nil
        self.resultShape = result.shape
    }

    init(customPullback: @escaping (Tensor<Scalar>) -> [Tensor<Scalar>?], inputs: [Variable<Scalar>], result: Tensor<Scalar>) {
        self.operation = nil
        self.inputs = inputs
        self.result = nil
        self.parameter = nil
        self.customPullback = customPullback
        self.resultShape = result.shape
    }

    init(leafFor parameter: Parameter<Scalar>) {
        self.operation = nil
        self.inputs = []
        self.parameter = parameter
        self.resultShape = parameter.value.shape
    }

    init(leafWithValue value: Tensor<Scalar>) {
        self.operation = nil
        self.inputs = []
        self.parameter = nil
        self.resultShape = value.shape
    }
}
