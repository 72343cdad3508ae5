// Binding the kernel implementations (elementwise, reductions, GEMM, gather/scatter, random
// fills) into the per-type table, specialised for one scalar and SIMD vector type.

extension ScalarKernels {
    /// Builds the table for elementwise vector type `V` and GEMM vector type `G`, with the
    /// GEMM tile widths (in vectors of `G`) the build's register file allows.
    static func make<V: FloatVector & SendableMetatype, G: SIMD & SendableMetatype>(
        vector _: V.Type, gemmVector _: G.Type, gemmVectorCounts: [Int]
    ) -> ScalarKernels where V.Scalar == Scalar, G.Scalar == Scalar {
        ScalarKernels(
            unary: { ElementwiseKernels.unary(V.self, $0, $1, $2, $3) },
            binary: { ElementwiseKernels.binary(V.self, $0, $1, $2, $3, $4) },
            ternary: { ElementwiseKernels.ternary(V.self, $0, $1, $2, $3, $4, $5) },
            select: { ElementwiseKernels.select(V.self, $0, $1, $2, $3, $4) },
            reduceRows: { ReductionKernels.reduceRows(V.self, $0, rows: $1, length: $2, rowStride: $3, $4, $5) },
            reduceColumns: {
                ReductionKernels.reduceColumns(V.self, $0, rows: $1, columns: $2, rowStride: $3, $4, $5)
            },
            gemm: { PackedGEMM.multiply(G.self, $0, allowedVectorCounts: gemmVectorCounts) },
            scatterAdd: { rows, length, table, source, destination in
                IndexKernels.scatterAdd(rows: rows, destinationRowLength: length, table: table,
                                        from: source, to: destination)
            },
            fillRandom: { RandomKernels.fill($0, count: $1, key: $2, start: $3, distribution: $4) },
            swishBackward: { rows, columns, g, x, beta, residual, dx, dbeta, dxSums in
                FusedKernels.swishBackward(V.self, rows: rows, columns: columns, g: g, x: x, beta: beta, residual: residual,
                                           dx: dx, dbeta: dbeta, dxSums: dxSums)
            },
            affineCoupling: { rows, columns, x, s, t, mask, inverting, output in
                FusedKernels.affineCoupling(V.self, rows: rows, columns: columns, x: x, s: s, t: t, mask: mask,
                                            inverting: inverting, output: output)
            },
            affineCouplingBackward: { rows, columns, g, x, s, t, mask, inverting, dx, ds, dt in
                FusedKernels.affineCouplingBackward(V.self, rows: rows, columns: columns, g: g, x: x, s: s, t: t, mask: mask,
                                                    inverting: inverting, dx: dx, ds: ds, dt: dt)
            },
            scaleBackward: { rows, columns, upstream, x, output, scale, tanh, dx, dscale in
                FusedKernels.scaleBackward(V.self, rows: rows, columns: columns, upstream: upstream, x: x, output: output,
                                           scale: scale, appliesTanh: tanh, dx: dx, dscale: dscale)
            }
        )
    }
}
