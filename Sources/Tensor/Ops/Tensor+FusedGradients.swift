// Backward passes of memory-bound activations fused into one pass each, for Autograd's
// derivative rules: every unfused elementwise step would read and write the whole
// activation again (4096 x 512 floats at the model's first level). They are SPI, not API:
// `@_spi(AutogradKernels) import Tensor` in Autograd's rule table, where each formula is
// written beside its rule.

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
    @_spi(AutogradKernels) public static func tanhGradient(upstream: Tensor, output y: Tensor) -> Tensor {
        upstream.combining(y, .tanhGradient, name: "tanhGradient")
    }

    /// `upstream · y (1 - y)`: the gradient of sigmoid at the point where it returned `y`.
    @_spi(AutogradKernels) public static func sigmoidGradient(upstream: Tensor, output y: Tensor) -> Tensor {
        upstream.combining(y, .sigmoidGradient, name: "sigmoidGradient")
    }

    /// The gradient of Swish `x · σ(βx)` with respect to x, `g·(σ + βx σ(1 - σ))`, in one pass
    /// (broadcast shape of `upstream`, `x` and `beta`).
    @_spi(AutogradKernels) public static func swishInputGradient(upstream: Tensor, input x: Tensor, beta: Tensor) -> Tensor {
        upstream.combining(x, beta, .swishInputGradient, name: "swishInputGradient")
    }

    /// The gradient of Swish with respect to β before summing over the axes β was broadcast
    /// along, `g·x² σ(1 - σ)`, in one pass.
    @_spi(AutogradKernels) public static func swishBetaGradient(upstream: Tensor, input x: Tensor, beta: Tensor) -> Tensor {
        upstream.combining(x, beta, .swishBetaGradient, name: "swishBetaGradient")
    }
}
