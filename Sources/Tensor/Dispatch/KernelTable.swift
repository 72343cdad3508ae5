// Binding the kernel implementations (elementwise, reductions, GEMM, gather/scatter, random
// fills) into the per-type table, specialised for one scalar and SIMD vector type.

extension ScalarKernels {
    /// Builds the table for elementwise vector type `V` and GEMM vector type `G`, with the
    /// GEMM tile widths (in vectors of `G`) the build's register file allows.
    static func make<V: FloatVector & SendableMetatype, G: SIMD & SendableMetatype>(
        vector _: V.Type, gemmVector _: G.Type, gemmVectorCounts: [Int]
    ) -> ScalarKernels where V.Scalar == Scalar, G.Scalar == Scalar {
        ScalarKernels(
            unary: { operation, layout, x, y in
                KernelTiming.measure(.elementwise) { ElementwiseKernels.unary(V.self, operation, layout, x, y) }
            },
            binary: { operation, layout, a, b, y in
                KernelTiming.measure(.elementwise) { ElementwiseKernels.binary(V.self, operation, layout, a, b, y) }
            },
            ternary: { operation, layout, a, b, c, y in
                KernelTiming.measure(.elementwise) { ElementwiseKernels.ternary(V.self, operation, layout, a, b, c, y) }
            },
            select: { layout, condition, a, b, y in
                KernelTiming.measure(.elementwise) { ElementwiseKernels.select(V.self, layout, condition, a, b, y) }
            },
            reduceRows: { operation, rows, length, rowStride, x, y in
                KernelTiming.measure(.reduction) {
                    ReductionKernels.reduceRows(V.self, operation, rows: rows, length: length, rowStride: rowStride, x, y)
                }
            },
            reduceColumns: { operation, rows, columns, rowStride, x, y in
                KernelTiming.measure(.reduction) {
                    ReductionKernels.reduceColumns(V.self, operation, rows: rows, columns: columns, rowStride: rowStride, x, y)
                }
            },
            gemm: { operands in
                KernelTiming.measure(.gemm) { PackedGEMM.multiply(G.self, operands, allowedVectorCounts: gemmVectorCounts) }
            },
            scatterAdd: { rows, length, table, source, destination in
                KernelTiming.measure(.gatherScatterCopy) {
                    IndexKernels.scatterAdd(rows: rows, destinationRowLength: length, table: table,
                                            from: source, to: destination)
                }
            },
            fill: { pointer, count, value in pointer.initialize(repeating: value, count: count) },
            fillRandom: { pointer, count, key, start, distribution in
                KernelTiming.measure(.random) {
                    RandomKernels.fill(pointer, count: count, key: key, start: start, distribution: distribution)
                }
            },
            swishBackward: { rows, columns, g, x, beta, residual, dx, dbeta, dxSums in
                KernelTiming.measure(.fused) {
                    FusedKernels.swishBackward(V.self, rows: rows, columns: columns, g: g, x: x, beta: beta,
                                               residual: residual, dx: dx, dbeta: dbeta, dxSums: dxSums)
                }
            },
            affineCoupling: { rows, columns, x, s, t, mask, inverting, output in
                KernelTiming.measure(.fused) {
                    FusedKernels.affineCoupling(V.self, rows: rows, columns: columns, x: x, s: s, t: t, mask: mask,
                                                inverting: inverting, output: output)
                }
            },
            affineCouplingBackward: { rows, columns, g, x, s, t, mask, inverting, dx, ds, dt in
                KernelTiming.measure(.fused) {
                    FusedKernels.affineCouplingBackward(V.self, rows: rows, columns: columns, g: g, x: x, s: s, t: t,
                                                        mask: mask, inverting: inverting, dx: dx, ds: ds, dt: dt)
                }
            },
            scaleBackward: { rows, columns, upstream, x, output, scale, tanh, dx, dscale in
                KernelTiming.measure(.fused) {
                    FusedKernels.scaleBackward(V.self, rows: rows, columns: columns, upstream: upstream, x: x,
                                               output: output, scale: scale, appliesTanh: tanh, dx: dx, dscale: dscale)
                }
            },
            residualForward: { operands in
                KernelTiming.measure(.gemm) {
                    ResidualNetworkKernels.forward(V.self, G.self, operands, allowedVectorCounts: gemmVectorCounts)
                }
            },
            adamW: { count, coefficients, gradient, parameter, firstMoment, secondMoment in
                KernelTiming.measure(.fused) {
                    OptimizerKernels.adamW(V.self, count: count, coefficients: coefficients, gradient: gradient,
                                           parameter: parameter, firstMoment: firstMoment, secondMoment: secondMoment)
                }
            }
        )
    }
}
