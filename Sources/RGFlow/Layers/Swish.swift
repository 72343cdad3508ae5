// Swish with a learnable β per feature.

import Autograd
import Tensor

/// Swish `x · σ(β x)` with one learnable β per feature, initialised to 1 (Ramachandran et
/// al., 2017); the reference's `Swish(n)`, whose β is the state-dict entry `scale`.
public final class Swish<Scalar: TensorScalar>: ParameterContainer {
    /// β, shape `[features]`.
    public let beta: Parameter<Scalar>

    /// A Swish over `features` features with β = 1.
    public init(features: Int) {
        beta = Parameter(.ones([features]))
    }

    /// Applies Swish to `[rows, features]`.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> {
        x.swish(beta: beta.variable)
    }

    /// `scale`: β.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [("scale", beta)] }
}
