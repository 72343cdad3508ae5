// The residual subnet as one differentiable operation: the same arithmetic as the layer-by-
// layer tape, with a hand-written backward that fuses the elementwise work into a few passes.

@_spi(AutogradKernels) import Tensor
import Autograd

extension ResidualNetwork {
    /// The forward pass on `[rows, width]` recorded as one node whose backward runs, per linear
    /// layer, two matrix products and one fused Swish pass (which also yields β's gradient, the
    /// previous layer's bias gradient and the residual's share), and one fused pass for the
    /// final scale and tanh.
    ///
    /// The tape version (``usesFusedPass`` off) records about twenty nodes per residual block
    /// and makes each elementwise step a pass over the activations, forward and backward; this
    /// makes the same products and evaluates the same elementwise formulas, so values and
    /// gradients agree to rounding (the test suite holds them to 1e-12 in Double against the
    /// tape and to finite differences).
    func fusedForward(_ input: Variable<Scalar>, weights weightVariables: [[Variable<Scalar>]]) -> Variable<Scalar> {
        let shortcut = Scalar(0.5).squareRoot()
        var inputs: [Variable<Scalar>] = [input]
        var betas: [[Tensor<Scalar>]] = [], weights: [[Tensor<Scalar>]] = []
        for (block, blockWeightVariables) in zip(blocks, weightVariables) {
            var blockBetas: [Tensor<Scalar>] = [], blockWeights: [Tensor<Scalar>] = []
            for (pair, weight) in zip(block, blockWeightVariables) {
                let beta = pair.activation.beta.variable, bias = pair.linear.bias.variable
                inputs += [beta, weight, bias]
                blockBetas.append(beta.value)
                blockWeights.append(weight.value)
            }
            betas.append(blockBetas)
            weights.append(blockWeights)
        }
        let scaleVariable = scale.scale.variable
        inputs.append(scaleVariable)
        let gain = scaleVariable.value
        // Forward tile by tile through every layer, keeping each Swish's input and output (and
        // the last block's output) only when a backward pass will ask for them.
        let recording = GradientMode.isRecording && inputs.contains(where: \.requiresGradient)
        let layers = blocks.indices.map { b in
            blocks[b].indices.map { p in
                Tensor<Scalar>.ResidualLayer(beta: betas[b][p], weight: weights[b][p], bias: blocks[b][p].linear.bias.value)
            }
        }
        let (output, kept) = Tensor.residualNetworkForward(input.value, blocks: layers, shortcut: shortcut, gain: gain,
                                                           appliesTanh: appliesTanh, keepingActivations: recording)
        ActivationProbe.report(appliesTanh ? "s network" : "t network", self, input: input.value, output: output)
        guard let kept else { return Variable(output) }
        let swishInputs = kept.swishInputs, swishOutputs = kept.swishOutputs
        let last = kept.last, tanh = appliesTanh, layout = blocks.map(\.count)
        return Variable.custom(inputs, value: output) { upstream in
            var gradients = [Tensor<Scalar>?](repeating: nil, count: inputs.count)
            var (dx, dgain) = Tensor.scaleBackward(upstream: upstream, input: last, output: output, scale: gain, appliesTanh: tanh)
            gradients[inputs.count - 1] = dgain
            // Parameter slots: 1 + 3 · (pairs before) + (0: β, 1: weight, 2: bias).
            var slot = inputs.count - 1
            for blockIndex in layout.indices.reversed() {
                let sum = dx * shortcut
                var da = sum
                var biasGradient = sum.sum(axes: [0])
                for pairIndex in (0..<layout[blockIndex]).reversed() {
                    slot -= 3
                    gradients[slot + 2] = biasGradient
                    gradients[slot + 1] = Tensor.matmul(da, swishOutputs[blockIndex][pairIndex], transposingA: true)
                    let dActivated = Tensor.matmul(da, weights[blockIndex][pairIndex])
                    let (dPre, dBeta, preSum) = Tensor.swishBackward(
                        upstream: dActivated, input: swishInputs[blockIndex][pairIndex], beta: betas[blockIndex][pairIndex],
                        residual: pairIndex == 0 ? sum : nil, columnSumOfInput: pairIndex > 0)
                    gradients[slot] = dBeta
                    if let preSum { biasGradient = preSum }
                    da = dPre
                }
                dx = da
            }
            gradients[0] = dx
            return gradients
        }
    }
}
