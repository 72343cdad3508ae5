// Pixels in [0, 1] to the real line and back: the squeezed logit and dequantisation.

import Autograd
import Foundation
import Tensor

/// The reference's data transform: y = ((2x - 1) c + 1) / 2 squeezes pixels into
/// [(1 - c)/2, (1 + c)/2] (c = 0.9), then x' = logit(y) = ln y - ln(1 - y).
///
/// log|det| per sample = Σ [softplus(x') + softplus(-x') - softplus(-ln(c / (1 - c)))]
/// (the last term is ln c). The inverse is σ followed by the inverse affine map.
public struct LogitTransform<Scalar: TensorScalar>: Bijector, Sendable {
    /// The constraint c in (0, 1).
    public var constraint: Scalar

    /// A transform with constraint `c` (the reference uses 0.9).
    public init(constraint: Scalar = 0.9) {
        precondition(constraint > 0 && constraint < 1, "LogitTransform: constraint \(constraint) outside (0, 1)")
        self.constraint = constraint
    }

    /// Dequantises 8-bit pixels in [0, 1]: (255 x + u) / 256 with u ~ U[0, 1), so the discrete
    /// data gets a continuous density.
    public static func dequantize(_ pixels: Tensor<Scalar>, using generator: inout TensorRandomGenerator) -> Tensor<Scalar> {
        (pixels * 255 + Tensor<Scalar>.uniform(pixels.shape, using: &generator)) / 256
    }

    private func perSample(_ elementwise: Variable<Scalar>) -> Variable<Scalar> {
        elementwise.sum(axes: Array(1..<elementwise.shape.count))
    }

    /// x' = logit(squeeze(x)) for pixels `[batch, …]`; logDet `[batch]`.
    public func forward(_ x: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>) {
        let c = constraint
        let y = ((x * 2 - 1) * c + 1) * Scalar(0.5)
        let logit = y.log() - (1 - y).log()
        let constant = Scalar(Foundation.log(Double(c) / (1 - Double(c))))
        let constantTerm = Variable(Tensor(-constant)).softplus()
        ActivationProbe.report("logit transform", input: x.value, output: logit.value)
        return (logit, perSample(logit.softplus() + (-logit).softplus() - constantTerm))
    }

    /// Pixels from logits `[batch, …]`; logDet `[batch]` (minus the forward one).
    public func inverse(_ z: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>) {
        let c = constraint
        let y = z.sigmoid()
        let x = ((y * 2 - 1) / c + 1) * Scalar(0.5)
        let constant = Scalar(Foundation.log(Double(c) / (1 - Double(c))))
        let constantTerm = Variable(Tensor(-constant)).softplus()
        return (x, -perSample(z.softplus() + (-z).softplus() - constantTerm))
    }

    /// No parameters.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [] }
}
