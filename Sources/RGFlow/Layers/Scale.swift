// A learnable per-feature scale initialised to zero, so every coupling starts as the identity.

import Autograd
import Tensor

/// `y = g ⊙ x` with g `[features]` initialised to 0: each subnet's output starts at zero, so the
/// untrained flow is the identity. State-dict name `scale`; the reference also stores debug
/// statistics `saved_mean`/`saved_var`, which we export as 0 and 1 and ignore on load.
public final class Scale<Scalar: TensorScalar>: ParameterContainer {
    /// g, `[features]`.
    public let scale: Parameter<Scalar>
    let features: Int

    /// A zero scale over `features` features.
    public init(features: Int) {
        self.features = features
        scale = Parameter(.zeros([features]))
    }

    /// Scales `[rows, features]`.
    public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> {
        x * scale.variable
    }

    /// `scale`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [("scale", scale)] }

    /// `saved_mean` (zeros) and `saved_var` (ones): placeholders for the reference's debug
    /// statistics, so an exported state dict loads strictly into the original code.
    public var namedBuffers: [(name: String, value: Tensor<Scalar>)] {
        [("saved_mean", .zeros([features])), ("saved_var", .ones([features]))]
    }
}
