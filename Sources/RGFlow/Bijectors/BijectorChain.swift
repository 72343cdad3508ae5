// Bijectors composed in sequence, so a model is one chain from data to latents and its
// log-determinant is the sum of its stages'.

import Autograd
import Tensor

/// The composition f = f_n ∘ … ∘ f_1 of bijectors: forward applies the stages in order,
/// inverse in reverse order, and the log-determinants add (the chain rule of Jacobians).
///
/// The stages' parameters and buffers are listed in stage order under their own names, not
/// prefixed, so a chain of the logit transform (no parameters) and ``RGFlowNetwork`` keeps the
/// reference's state-dict names (`layers.…`).
public struct BijectorChain<Scalar: TensorScalar>: Bijector {
    /// The stages, first applied first.
    public let stages: [any Bijector<Scalar>]

    /// A chain of `stages` (at least one).
    public init(_ stages: [any Bijector<Scalar>]) {
        precondition(!stages.isEmpty, "BijectorChain: no stages")
        self.stages = stages
    }

    /// z = f(x) and Σ log|det ∂f_k| per sample `[batch]`.
    public func forward(_ x: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>) {
        var (y, logDet) = stages[0].forward(x)
        for stage in stages.dropFirst() {
            let (next, stageLogDet) = stage.forward(y)
            y = next
            logDet = logDet + stageLogDet
        }
        return (y, logDet)
    }

    /// x = f⁻¹(z), stages in reverse, with log|det ∂f⁻¹/∂z| per sample `[batch]`.
    public func inverse(_ z: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>) {
        var (x, logDet) = stages[stages.count - 1].inverse(z)
        for stage in stages.dropLast().reversed() {
            let (next, stageLogDet) = stage.inverse(x)
            x = next
            logDet = logDet + stageLogDet
        }
        return (x, logDet)
    }

    /// The stages' parameters, in order.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { stages.flatMap { $0.namedParameters } }

    /// The stages' buffers, in order.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] { stages.flatMap { $0.namedBuffers } }
}
