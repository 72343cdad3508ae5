// The bijector contract: an invertible map that reports its exact log-determinant.

import Autograd
import Tensor

/// An invertible map with a tractable Jacobian determinant.
///
/// `logDet` is always log|det ∂output/∂input| per sample, shape `[batch]`: for ``forward(_:)``
/// the log-determinant of f at x, for ``inverse(_:)`` that of f⁻¹ at z (so the two sum to 0 on
/// a round trip). Both are computed analytically; the test suite holds them to brute-force
/// determinants of the full Jacobian.
public protocol Bijector<Scalar>: ParameterContainer {
    /// z = f(x) and log|det ∂f/∂x|, per sample.
    func forward(_ x: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>)
    /// x = f⁻¹(z) and log|det ∂f⁻¹/∂z|, per sample.
    func inverse(_ z: Variable<Scalar>) -> (output: Variable<Scalar>, logDet: Variable<Scalar>)
}
