// The coupling subnets' forward as one tensor operation (see ResidualNetworkKernels).

extension Tensor {
    /// One Swish + linear pair of a residual block: `Swish(x; beta) · weightᵀ + bias`.
    @_spi(AutogradKernels) public struct ResidualLayer {
        /// Swish's β, `[inputs]`.
        public var beta: Tensor
        /// The linear map, `[outputs, inputs]`.
        public var weight: Tensor
        /// The bias, `[outputs]`.
        public var bias: Tensor

        /// A layer from its parameters.
        public init(beta: Tensor, weight: Tensor, bias: Tensor) {
            self.beta = beta
            self.weight = weight
            self.bias = bias
        }
    }

    /// What the forward pass keeps for the backward pass: per block, each layer's Swish
    /// input and output (the first input is the block's input), and the last block's output.
    @_spi(AutogradKernels) public struct ResidualActivations {
        /// Per block, per layer, the Swish input `[rows, inputs]`.
        public var swishInputs: [[Tensor]]
        /// Per block, per layer, the Swish output `[rows, inputs]`.
        public var swishOutputs: [[Tensor]]
        /// The last block's output `[rows, width]`, before the final scale.
        public var last: Tensor
    }

    /// The residual network on `[rows, width]` input: for each block,
    /// `x ← (x + f(x)) · shortcut` with f its layers in order, then `x · gain` (`[width]`)
    /// and tanh when `appliesTanh`. Computed tile by tile through all layers (threads split
    /// the tiles), equal bit for bit to the same operations applied layer by layer.
    ///
    /// - Returns: the output `[rows, width]` and, when `keepingActivations`, what backward needs.
    @_spi(AutogradKernels) public static func residualNetworkForward(
        _ input: Tensor, blocks: [[ResidualLayer]], shortcut: Scalar, gain: Tensor, appliesTanh: Bool,
        keepingActivations: Bool
    ) -> (output: Tensor, activations: ResidualActivations?) {
        precondition(input.rank == 2 && gain.shape == [input.shape[1]], "residualNetworkForward: input \(input.shape), gain \(gain.shape)")
        let rows = input.shape[0], width = input.shape[1]
        let input = input.contiguous(), gain = gain.contiguous()
        let layers = blocks.flatMap { $0 }.map { ResidualLayer(beta: $0.beta.contiguous(), weight: $0.weight.contiguous(),
                                                                bias: $0.bias.contiguous()) }
        var inputs = width
        for (index, layer) in layers.enumerated() {
            let outputs = layer.weight.shape[0]
            precondition(layer.weight.shape == [outputs, inputs] && layer.beta.shape == [inputs] && layer.bias.shape == [outputs],
                         "residualNetworkForward: layer \(index) has weight \(layer.weight.shape), beta \(layer.beta.shape), "
                         + "bias \(layer.bias.shape) after \(inputs) features")
            inputs = outputs
        }
        for block in blocks {
            precondition(!block.isEmpty && block.last!.weight.shape[0] == width, "residualNetworkForward: a block must map back to \(width) features")
        }
        let output = Tensor(uninitializedShape: [rows, width])
        var swishInputs: [[Tensor]] = [], swishOutputs: [[Tensor]] = []
        var last: Tensor?
        if keepingActivations {
            for (index, block) in blocks.enumerated() {
                swishInputs.append(block.enumerated().map { pair, layer in
                    pair == 0 ? (index == 0 ? input : Tensor(uninitializedShape: [rows, width]))
                        : Tensor(uninitializedShape: [rows, layer.weight.shape[1]])
                })
                swishOutputs.append(block.map { Tensor(uninitializedShape: [rows, $0.weight.shape[1]]) })
            }
            last = Tensor(uninitializedShape: [rows, width])
        }
        let keptInputs = swishInputs.flatMap { block in block.indices.map { $0 == 0 ? nil : block[$0].basePointer } }
        let operands = ResidualForwardOperands<Scalar>(
            rows: rows, width: width, input: UnsafePointer(input.basePointer), output: output.basePointer,
            layers: layers.map {
                ResidualLayerOperands(inputs: $0.weight.shape[1], outputs: $0.weight.shape[0], beta: UnsafePointer($0.beta.basePointer),
                                      weight: UnsafePointer($0.weight.basePointer), bias: UnsafePointer($0.bias.basePointer))
            },
            blockSizes: blocks.map(\.count), shortcut: shortcut, gain: UnsafePointer(gain.basePointer), appliesTanh: appliesTanh,
            swishInputs: keepingActivations ? keptInputs : nil,
            swishOutputs: keepingActivations ? swishOutputs.flatMap { $0.map(\.basePointer) } : nil,
            blockInputs: keepingActivations ? swishInputs.indices.map { $0 == 0 ? nil : swishInputs[$0][0].basePointer } : nil,
            last: last?.basePointer)
        withExtendedLifetime((input, gain, layers, swishInputs, swishOutputs, last)) {
            Scalar.kernels.residualForward(operands)
        }
        guard let last else { return (output, nil) }
        return (output, ResidualActivations(swishInputs: swishInputs, swishOutputs: swishOutputs, last: last))
    }
}
