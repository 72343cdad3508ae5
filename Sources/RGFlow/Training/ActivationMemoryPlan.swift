// Choosing, per RG layer, whether a coupling keeps its subnets' activations for backward or
// recomputes them, so a training step fits a memory budget at the least recomputation.
//
// The sizes are measured, not derived from formulas: a probe step at a small batch records
// the tensor bytes each layer's forward leaves live in both modes and the backward's peak
// (BufferPool.measuredLiveBytes), and everything that holds activations scales with the batch. So the
// plan works for any registered coupling, including one a user has just written.

import Autograd
import Tensor

/// What keeping or recomputing each coupling's activations costs in memory, and the choice
/// for a budget.
public struct ActivationMemoryPlan: Sendable, Equatable {
    /// Per RG layer: the bytes recomputing its coupling saves at the planned batch size (what
    /// its subnets keep for backward beyond their inputs).
    public let savingBytes: [Int]
    /// The peak bytes of tensors a step holds with every coupling recomputing (forward
    /// outputs, checkpointed inputs, and the largest recomputed subnet during backward).
    public let recomputingPeakBytes: Int
    /// Parameters, their gradients and AdamW's two moments.
    public let parameterStateBytes: Int
    /// Per RG layer: whether its coupling recomputes.
    public private(set) var recomputes: [Bool]

    /// The estimated peak of tensor bytes during a step: the parameter state, the recomputing
    /// peak, and the savings given up by the couplings that keep their activations.
    public var estimatedPeakBytes: Int {
        parameterStateBytes + recomputingPeakBytes + zip(savingBytes, recomputes).reduce(0) { $0 + ($1.1 ? 0 : $1.0) }
    }

    /// The plan that keeps as many activation bytes as fit in `budgetBytes` of tensors
    /// (largest layers first, as recomputation time grows with them), recomputing the rest;
    /// every layer recomputes when even that does not fit. `nil` keeps everything.
    public init(savingBytes: [Int], recomputingPeakBytes: Int, parameterStateBytes: Int, budgetBytes: Int?) {
        self.savingBytes = savingBytes
        self.recomputingPeakBytes = recomputingPeakBytes
        self.parameterStateBytes = parameterStateBytes
        recomputes = savingBytes.map { _ in budgetBytes != nil }
        guard let budgetBytes else { return }
        for layer in savingBytes.indices.sorted(by: { savingBytes[$0] > savingBytes[$1] }) {
            recomputes[layer] = false
            if estimatedPeakBytes > budgetBytes { recomputes[layer] = true }
        }
    }

    /// One line per layer and the totals, for the tool.
    public var description: [String] {
        func mib(_ bytes: Int) -> String { String(Int((Double(bytes) / 1_048_576).rounded())) }
        let kept = recomputes.indices.filter { !recomputes[$0] }
        return [
            "memory plan: layers \(kept.isEmpty ? "none" : kept.map(String.init).joined(separator: ",")) keep their activations, "
                + "\(recomputes.count - kept.count) of \(recomputes.count) recompute them",
            "  estimated tensor peak \(mib(estimatedPeakBytes)) MiB = parameters, gradients and AdamW moments "
                + "\(mib(parameterStateBytes)) + step with all recomputing \(mib(recomputingPeakBytes)) + kept activations "
                + "\(mib(estimatedPeakBytes - parameterStateBytes - recomputingPeakBytes))",
        ]
    }
}

extension RGFlowModel {
    /// Measures what each RG layer's activations cost at `batchSize` and plans for
    /// `budgetBytes` of tensor memory (``ActivationMemoryPlan``). What each layer keeps grows
    /// in proportion to the batch, so forward passes of 2 and 4 images give it; the step's
    /// peak with every coupling recomputing does not (which phase of backward peaks changes
    /// with the batch: extrapolating from half and a quarter of the batch fell 3% short), so
    /// one recomputing step at `batchSize` measures it: the mode that needs the least memory,
    /// and one step's time. Leaves the couplings' recompute settings as the plan says and the
    /// gradients cleared.
    public func planActivationMemory(batchSize: Int, budgetBytes: Int?) -> ActivationMemoryPlan {
        BufferPool.measuringThisThread { measuredPlan(batchSize: batchSize, budgetBytes: budgetBytes) }
    }

    private func measuredPlan(batchSize: Int, budgetBytes: Int?) -> ActivationMemoryPlan {
        let c = configuration
        func pixels(_ batch: Int) -> Tensor<Scalar> {
            var generator = TensorRandomGenerator(seed: 0)
            return Tensor<Scalar>.uniform([batch, c.channels, c.sideLength, c.sideLength], using: &generator) * 0.9 + 0.05
        }
        /// Live bytes each layer's forward leaves for backward.
        func layerBytes(recomputing: Bool, batch: Int) -> [Double] {
            network.recomputesActivations = recomputing
            let x = GradientMode.withoutGradients { logitTransform.forward(Variable(pixels(batch))).output.value }
            var y = Variable(x)
            return network.couplings.indices.map { layer in
                let before = BufferPool.measuredLiveBytes
                y = network.apply(layer: layer, to: y, inverting: false).0
                return Double(BufferPool.measuredLiveBytes - before)
            }
        }
        /// The peak above its start of a whole step (loss and backward) with every coupling recomputing.
        func stepPeak(batch: Int) -> Double {
            network.recomputesActivations = true
            for parameter in parameters { parameter.zeroGradient() }
            let start = BufferPool.measuredLiveBytes
            BufferPool.resetMeasuredPeak()
            loss(pixels: pixels(batch)).mean.backward()
            let peak = Double(BufferPool.measuredPeakBytes - start)
            for parameter in parameters { parameter.zeroGradient() }
            return peak
        }
        /// The value at `batch` of the line through (x0, y0) and (x1, y1).
        func line(_ x0: Int, _ y0: Double, _ x1: Int, _ y1: Double, at batch: Int) -> Double {
            y0 + (y1 - y0) * Double(batch - x0) / Double(x1 - x0)
        }
        let savings = zip(zip(layerBytes(recomputing: false, batch: 2), layerBytes(recomputing: true, batch: 2)),
                          zip(layerBytes(recomputing: false, batch: 4), layerBytes(recomputing: true, batch: 4)))
            .map { small, large in Int(Swift.max(0, line(2, small.0 - small.1, 4, large.0 - large.1, at: batchSize)).rounded()) }
        let parameterBytes = parameters.reduce(0) { $0 + $1.value.scalarCount } * MemoryLayout<Scalar>.stride
        // The step's peak includes the gradients it allocates; the parameter state counts them.
        let recomputingPeak = stepPeak(batch: batchSize) - Double(parameterBytes)
        let plan = ActivationMemoryPlan(savingBytes: savings, recomputingPeakBytes: Int(Swift.max(0, recomputingPeak).rounded()),
                                        parameterStateBytes: 4 * parameterBytes, budgetBytes: budgetBytes)
        for (coupling, recomputes) in zip(network.couplings, plan.recomputes) { coupling.recomputesActivations = recomputes }
        return plan
    }
}
