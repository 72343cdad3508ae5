// What makes a prior buildable by name: typed options that construct it for a latent layout.

import Tensor

/// The options of a registered prior, which also build it.
///
/// A new prior is one file: the ``Prior`` type, and beside it a struct of its options that
/// conforms to this protocol; one line in ``ComponentRegistry`` makes it available to
/// ``FlowConfiguration``, the trainer, checkpoints and the `rgflow` tool by ``name``.
///
/// ```swift
/// public struct StudentTPriorOptions: PriorOptions {
///     public static let name = "studentt"
///     public static let summary = "Student's t with nu degrees of freedom"
///     public var nu = 5.0, scale = 1.0
///     public init() {}
///     public func makePrior<Scalar: TensorScalar>(for latents: LatentLevels, as _: Scalar.Type) -> any Prior<Scalar> {
///         StudentTPrior<Scalar>(degreesOfFreedom: nu, scale: scale)
///     }
/// }
/// ```
public protocol PriorOptions: ComponentOptions {
    /// The registered name (`--prior NAME`), lowercase letters, digits and `_`.
    static var name: String { get }
    /// One line for `--help`.
    static var summary: String { get }
    /// The prior for latents `[batch, C, L, L]` laid out as `latents` describes (its levels
    /// let a prior treat the scales of the hierarchy differently). Called with validated
    /// options only.
    func makePrior<Scalar: TensorScalar>(for latents: LatentLevels, as scalar: Scalar.Type) -> any Prior<Scalar>
}
