// Reverse-mode sweep: order the recorded nodes, push gradients from the output to the
// leaves, then release the graph so no activation outlives the step.

import Tensor

extension Variable {
    /// Back-propagates from this value: every leaf that influenced it receives
    /// d(seed · self)/d(leaf), added to its parameter's ``Parameter/gradient`` (or to the leaf
    /// variable's ``gradient``).
    ///
    /// - Parameters:
    ///   - seed: the upstream gradient, of this value's shape; may be omitted for a value with
    ///     one element (then it is 1).
    ///   - retainingGraph: keep the recorded graph so backward can run again (the gradient
    ///     checker's reentrancy check); by default the graph is released, freeing activations.
    public func backward(seed: Tensor<Scalar>? = nil, retainingGraph: Bool = false) {
        guard let root = node else { return }
        let upstream: Tensor<Scalar>
        if let seed {
            precondition(seed.shape == shape, "backward: seed of shape \(seed.shape) for a value of shape \(shape)")
            upstream = seed
        } else {
            precondition(value.scalarCount == 1, "backward: a seed is needed for a value of shape \(shape)")
            upstream = Tensor(repeating: 1, shape: shape)
        }
        let order = topologicalOrder(from: root)
        root.gradient = root.gradient.map { $0 + upstream } ?? upstream
        for node in order.reversed() {
            guard let gradient = node.gradient else { continue }
            if node.isLeaf {
                if let parameter = node.parameter {
                    parameter.accumulate(gradient)
                    node.gradient = nil
                }
                continue
            }
            propagate(gradient, from: node)
            node.gradient = nil
        }
        if !retainingGraph {
            // Cut every edge from the root down, so releasing the root frees the graph without
            // a deinit recursion as deep as the graph.
            for node in order where !node.isLeaf {
                node.inputs = []
                node.result = nil
                node.customPullback = nil
            }
        }
    }

    /// Nodes reachable from `root`, each after all of its inputs (iterative depth-first
    /// search: graphs are thousands of nodes deep).
    private func topologicalOrder(from root: Node<Scalar>) -> [Node<Scalar>] {
        var order: [Node<Scalar>] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Node<Scalar>, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (node, next) = stack.popLast() {
            if next < node.inputs.count {
                stack.append((node, next + 1))
                if let child = node.inputs[next].node, visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(node)
            }
        }
        return order
    }

    private func propagate(_ gradient: Tensor<Scalar>, from node: Node<Scalar>) {
        let inputs = node.inputs
        // Only failure messages need the name: describing an enum goes through runtime
        // reflection, which every node paid for before.
        func name() -> String { node.operation.map { "\($0.primitive)" } ?? "checkpoint" }
        if let custom = node.customPullback {
            let gradients = custom(gradient)
            precondition(gradients.count == inputs.count, "backward: \(name()) returned \(gradients.count) gradients for \(inputs.count) inputs")
            for (input, contribution) in zip(inputs, gradients) {
                if let contribution { deliver(contribution, to: input, from: name()) }
            }
            return
        }
        guard let operation = node.operation, let result = node.result else {
            preconditionFailure("backward: the graph through \(name()) was released; use backward(retainingGraph: true) to run backward twice")
        }
        let rules = operation.pullback(gradient, inputs.map(\.value), result)
        precondition(rules.count == inputs.count, "backward: rule for \(name()) gives \(rules.count) gradients for \(inputs.count) inputs")
        for (input, rule) in zip(inputs, rules) where input.node != nil {
            guard let rule else { continue }
            deliver(rule(), to: input, from: name())
        }
    }

    private func deliver(_ contribution: Tensor<Scalar>, to input: Variable, from name: @autoclosure () -> String) {
        guard let target = input.node else { return }
        precondition(contribution.shape == target.resultShape,
                     "backward: \(name()) produced a gradient of shape \(contribution.shape) for an input of shape \(target.resultShape)")
        target.gradient = target.gradient.map { $0 + contribution } ?? contribution
    }
}
