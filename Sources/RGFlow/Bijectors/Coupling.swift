// The coupling contract: the bijector an RG layer applies to every block it gathers.

import Autograd
import Tensor

/// A bijector on blocks `[N, C, K, K]` that an RG layer applies to each of its blocks (see
/// ``RGFlowNetwork``), with its own subnetworks.
///
/// Couplings are built by name through ``ComponentRegistry`` from a ``CouplingOptions`` type.
/// Each one declares whether it keeps or recomputes its subnetworks' activations for backward,
/// so the network can trade memory for a second forward pass layer by layer.
public protocol Coupling<Scalar>: Bijector, AnyObject {
    /// Whether backward recomputes the subnetworks' activations (one more forward pass of
    /// each) instead of keeping them from the forward pass. Results are identical either way.
    var recomputesActivations: Bool { get set }

    /// Which of a block's features each output feature can depend on, for the forward map or
    /// (`inverting`) its inverse: the structural zeros of the coupling's Jacobian. Exact
    /// supports of latents (``RGFlowNetwork/support(ofLatent:)``) are built from it; nil (the
    /// default) claims nothing, and the block counts as dense: every output depends on every
    /// input.
    func dependencies(inverting: Bool) -> BlockDependencies?
}

extension Coupling {
    /// No declared structure: the network treats the block as dense.
    public func dependencies(inverting: Bool) -> BlockDependencies? { nil }
}

/// One half-step of a masked coupling (RealNVP, additive): the conditioning features pass
/// through, every other feature depends on itself and on all conditioning features.
func halfStepDependencies<Scalar: TensorScalar>(conditioning mask: Tensor<Scalar>) -> BlockDependencies {
    let conditioning = mask.scalars.map { $0 != 0 }
    return BlockDependencies(width: conditioning.count) { output, input in
        output == input || (!conditioning[output] && conditioning[input])
    }
}

/// The checkerboard masks over a block `[C, K, K]`, flattened to `[C · K · K]`: `left` is 1
/// where row and column have the same parity (the reference's `mask_left`), `right = 1 - left`.
func checkerboardMasks<Scalar: TensorScalar>(channels: Int, kernelSize: Int) -> (left: Tensor<Scalar>, right: Tensor<Scalar>) {
    var left = [Scalar](repeating: 0, count: channels * kernelSize * kernelSize)
    for c in 0..<channels {
        for row in 0..<kernelSize {
            for column in 0..<kernelSize where (row + column) % 2 == 0 {
                left[(c * kernelSize + row) * kernelSize + column] = 1
            }
        }
    }
    let leftMask = Tensor(shape: [left.count], scalars: left)
    return (leftMask, 1 - leftMask)
}
