// When a step goes non-finite: re-run the batch with an activation probe and name the first
// step (by state-dict name) whose output or gradient broke, with the range of its input.

import Autograd
import Foundation
import Tensor

extension Trainer {
    /// Where the non-finite value of batch `batch` of epoch `epoch` first appears, as a sentence.
    ///
    /// The batch is run again with the same dequantisation noise under an ``ActivationProbe``:
    /// the first step whose output is not finite is named (subnet, coupling half-step, RG layer,
    /// logit transform), with its state-dict prefix and its input's range. When the forward pass
    /// is finite, the backward pass is checked: the parameters with non-finite gradients are
    /// named, starting from the one backward reached first (the latest in the forward order).
    func diagnoseNonFinite(pixels: Tensor<Float>, epoch: Int, batch: Int) -> String {
        let probe = ActivationProbe()
        var noise = generator(1, epoch, batch)
        optimizer.parameters.forEach { $0.zeroGradient() }
        let loss = probe.observing { model.loss(pixels: pixels.converted(to: Scalar.self), dequantizingWith: &noise) }
        let observations = probe.observations
        func describe(_ observation: ActivationProbe.Observation) -> String {
            let name = probe.prefix(of: observation, in: model).map { "\($0) (\(observation.label))" } ?? observation.label
            let (low, high) = observation.inputRange
            return "\(name), whose input ranged over [\(String(format: "%.4g", low)), \(String(format: "%.4g", high))]"
        }
        if let index = observations.firstIndex(where: { !$0.outputIsFinite }) {
            let enclosing = observations[index...].first { $0.label.hasPrefix("RG layer") && $0.label != observations[index].label }
            return "the first non-finite output is that of " + describe(observations[index])
                + (enclosing.map { ", in \($0.label)" } ?? "")
        }
        guard loss.perSample.value.scalars.allSatisfy(\.isFinite) else {
            return "every layer's output is finite: the prior's log-density of the latents is not"
        }
        loss.mean.backward()
        let broken = model.namedParameters.filter { !($0.parameter.gradient?.scalars.allSatisfy(\.isFinite) ?? true) }
        guard let last = broken.last else { return "the forward pass and every gradient are finite when the batch is run again" }
        let step = observations.last { observation in probe.prefix(of: observation, in: model).map { last.name.hasPrefix($0 + ".") } ?? false }
        return "the forward pass is finite; backward first reaches a non-finite gradient at \(last.name)"
            + (step.map { " (in " + describe($0) + ")" } ?? "")
            + (broken.count > 1 ? "; \(broken.count) parameters in all, from \(broken[0].name)" : "")
    }

    /// "the last checkpoint (epoch N) is kept" or that none has been written yet.
    var checkpointNote: String {
        guard let paths, let epoch = Checkpoint.epochs(in: paths.checkpoints).last else {
            return "no checkpoint has been written yet"
        }
        return "the last checkpoint, \(paths.checkpoint(epoch: epoch).path), is kept"
    }

    /// The name of the first parameter holding a non-finite value, if any.
    var firstNonFiniteParameter: String? {
        model.namedParameters.first { !$0.parameter.value.scalars.allSatisfy(\.isFinite) }?.name
    }
}
