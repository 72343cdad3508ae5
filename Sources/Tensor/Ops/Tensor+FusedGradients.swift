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

extension Tensor {
    /// Swish's backward in one pass over contiguous-able `[rows, columns]` tensors, with β
    /// `[columns]`: dx = g·(σ + βx σ(1 - σ)) (+ `residual`), dβ = Σ_rows g·x² σ(1 - σ), and with
    /// `columnSumOfInput` also Σ_rows dx. Equal bit for bit to `swishInputGradient` (plus the
    /// residual), `swishBetaGradient(...).sum(axes: [0])` and `dx.sum(axes: [0])`.
    @_spi(AutogradKernels) public static func swishBackward(upstream g: Tensor, input x: Tensor, beta: Tensor,
                                                          residual: Tensor? = nil, columnSumOfInput: Bool = false)
        -> (input: Tensor, beta: Tensor, inputColumnSum: Tensor?) {
        precondition(g.rank == 2 && x.shape == g.shape && beta.shape == [g.shape[1]] && (residual?.shape ?? g.shape) == g.shape,
                     "swishBackward: upstream \(g.shape), input \(x.shape), beta \(beta.shape)")
        let (rows, columns) = (g.shape[0], g.shape[1])
        let g = g.contiguous(), x = x.contiguous(), beta = beta.contiguous(), residual = residual?.contiguous()
        let dx = Tensor(uninitializedShape: g.shape), dbeta = Tensor(uninitializedShape: [columns])
        let sums = columnSumOfInput ? Tensor(uninitializedShape: [columns]) : nil
        withExtendedLifetime((g, x, beta, residual)) {
            Scalar.kernels.swishBackward(rows, columns, UnsafePointer(g.basePointer), UnsafePointer(x.basePointer),
                                         UnsafePointer(beta.basePointer), residual.map { UnsafePointer($0.basePointer) },
                                         dx.basePointer, dbeta.basePointer, sums?.basePointer)
        }
        return (dx, dbeta, sums)
    }

    /// The backward of y = tanh(x·g) (or y = x·g) for x `[rows, columns]`, g `[columns]`, from
    /// the output y, in one pass: t = upstream·(1 - y²) (or upstream), dx = t·g, dg = Σ_rows t·x.
    @_spi(AutogradKernels) public static func scaleBackward(upstream: Tensor, input x: Tensor, output y: Tensor, scale g: Tensor,
                                                          appliesTanh: Bool) -> (input: Tensor, scale: Tensor) {
        precondition(upstream.rank == 2 && x.shape == upstream.shape && y.shape == upstream.shape && g.shape == [upstream.shape[1]],
                     "scaleBackward: upstream \(upstream.shape), input \(x.shape), output \(y.shape), scale \(g.shape)")
        let (rows, columns) = (upstream.shape[0], upstream.shape[1])
        let upstream = upstream.contiguous(), x = x.contiguous(), y = y.contiguous(), g = g.contiguous()
        let dx = Tensor(uninitializedShape: upstream.shape), dg = Tensor(uninitializedShape: [columns])
        withExtendedLifetime((upstream, x, y, g)) {
            Scalar.kernels.scaleBackward(rows, columns, UnsafePointer(upstream.basePointer), UnsafePointer(x.basePointer),
                                         UnsafePointer(y.basePointer), UnsafePointer(g.basePointer), appliesTanh,
                                         dx.basePointer, dg.basePointer)
        }
        return (dx, dg)
    }
}

extension Tensor {
    /// One affine coupling half-step in one pass over `[rows, columns]` x, s, t with the 0/1
    /// conditioning mask `[columns]`: where the mask is 1, y = x; elsewhere y = x e^s + t, or
    /// with `inverting` y = (x - t) e^(-s).
    @_spi(AutogradKernels) public static func affineCoupling(_ x: Tensor, scale s: Tensor, shift t: Tensor, conditioning mask: Tensor,
                                                           inverting: Bool) -> Tensor {
        precondition(x.rank == 2 && s.shape == x.shape && t.shape == x.shape && mask.shape == [x.shape[1]],
                     "affineCoupling: x \(x.shape), s \(s.shape), t \(t.shape), mask \(mask.shape)")
        let x = x.contiguous(), s = s.contiguous(), t = t.contiguous(), mask = mask.contiguous()
        let output = Tensor(uninitializedShape: x.shape)
        withExtendedLifetime((x, s, t, mask)) {
            Scalar.kernels.affineCoupling(x.shape[0], x.shape[1], UnsafePointer(x.basePointer), UnsafePointer(s.basePointer),
                                          UnsafePointer(t.basePointer), UnsafePointer(mask.basePointer), inverting, output.basePointer)
        }
        return output
    }

    /// The gradients of ``affineCoupling(_:scale:shift:conditioning:inverting:)`` with respect to
    /// x, s and t, from upstream g, in one pass.
    @_spi(AutogradKernels) public static func affineCouplingBackward(upstream g: Tensor, _ x: Tensor, scale s: Tensor, shift t: Tensor,
                                                                   conditioning mask: Tensor, inverting: Bool)
        -> (x: Tensor, scale: Tensor, shift: Tensor) {
        let g = g.contiguous(), x = x.contiguous(), s = s.contiguous(), t = t.contiguous(), mask = mask.contiguous()
        let dx = Tensor(uninitializedShape: x.shape), ds = Tensor(uninitializedShape: x.shape), dt = Tensor(uninitializedShape: x.shape)
        withExtendedLifetime((g, x, s, t, mask)) {
            Scalar.kernels.affineCouplingBackward(x.shape[0], x.shape[1], UnsafePointer(g.basePointer), UnsafePointer(x.basePointer),
                                                  UnsafePointer(s.basePointer), UnsafePointer(t.basePointer),
                                                  UnsafePointer(mask.basePointer), inverting, dx.basePointer, ds.basePointer,
                                                  dt.basePointer)
        }
        return (dx, ds, dt)
    }
}
