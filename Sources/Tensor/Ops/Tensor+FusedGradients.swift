// Backward passes of memory-bound activations fused into one pass each, for Autograd's
// derivative rules: every unfused elementwise step would read and write the whole
// activation again (4096 x 512 floats at the model's first level).

extension Tensor {
    func combining(_ second: Tensor, _ third: Tensor, _ operation: TernaryOperation, name: String) -> Tensor {
        let outputShape = Tensor.broadcastShape(Tensor.broadcastShape(shape, second.shape, operation: name),
                                                third.shape, operation: name)
        let x = expanded(to: outputShape), y = second.expanded(to: outputShape), z = third.expanded(to: outputShape)
        let result = Tensor(uninitializedShape: outputShape)
        let layout = StridedLayout(shape: outputShape, strides: [result.strides, x.strides, y.strides, z.strides])
        withExtendedLifetime((self, second, third)) {
            Scalar.kernels.ternary(operation, layout, UnsafePointer(x.basePointer), UnsafePointer(y.basePointer),
                                   UnsafePointer(z.basePointer), result.basePointer)
        }
        return result
    }

    /// `upstream · (1 - y²)`: the gradient of tanh at the point where it returned `y`.
    public static func tanhGradient(upstream: Tensor, output y: Tensor) -> Tensor {
        upstream.combining(y, .tanhGradient, name: "tanhGradient")
    }

    /// `upstream · y (1 - y)`: the gradient of sigmoid at the point where it returned `y`.
    public static func sigmoidGradient(upstream: Tensor, output y: Tensor) -> Tensor {
        upstream.combining(y, .sigmoidGradient, name: "sigmoidGradient")
    }

    /// The gradients of Swish `x · σ(βx)` with respect to x and β (the latter before summing
    /// over the axes β was broadcast along), each in one pass.
    ///
    /// - Returns: `input = g·(σ + βx σ(1 - σ))` and `beta = g·x² σ(1 - σ)`, both of the
    ///   broadcast shape of `upstream`, `x` and `beta`.
    public static func swishGradients(upstream: Tensor, input x: Tensor, beta: Tensor) -> (input: Tensor, beta: Tensor) {
        (upstream.combining(x, beta, .swishInputGradient, name: "swishGradient"),
         upstream.combining(x, beta, .swishBetaGradient, name: "swishGradient"))
    }
}
