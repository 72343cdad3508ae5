// The packed GEMM against two oracles, a naive loop over Doubles written here and the
// package's `referenceMatmul`: the issue's sizes in every role, every transpose (by flag and
// by transposed view), beta = 0 over NaN, beta = 1, other beta, bias, batches, strided views.
//
// Tolerance: the fast GEMM computes each element as one dot product of length K plus the
// bias and beta·C, so |error| <= γ_{K+2}·(Σ_p |a_ip||b_pj| + |bias_j| + |β c_ij|) with
// γ_n ≈ n·u (Higham, §3.5), whatever the order of the K additions and with or without FMA.
// The naive Double oracle is exact to that order for Float and carries the same bound for
// Double, so elements must agree within (K + 2)·ε·(|A||B| + |bias| + |βC|)_ij, ε = 2u =
// ulpOfOne: the issue's K·ε·max|a||b| made per element (it is never looser than that).

import Testing
import Tensor

/// One product shape.
struct GEMMShape: Sendable, CustomTestStringConvertible {
    let m: Int, k: Int, n: Int
    var testDescription: String { "M=\(m) K=\(k) N=\(n)" }
}

/// The issue's sizes 1, 2, 3, 7, 17, 63, 64, 65, 129, 257 each as M, as K and as N (two
/// rotations of the list), and the cube of each size up to 65. (Cubes of 129 and 257 would
/// take most of a minute in a debug build; shapes that big are in `parallelSplits`.)
let gemmShapes: [GEMMShape] = {
    let sizes = [1, 2, 3, 7, 17, 63, 64, 65, 129, 257]
    var shapes: [GEMMShape] = []
    for i in sizes.indices {
        shapes.append(GEMMShape(m: sizes[i], k: sizes[(i + 3) % 10], n: sizes[(i + 6) % 10]))
        shapes.append(GEMMShape(m: sizes[i], k: sizes[(i + 7) % 10], n: sizes[(i + 4) % 10]))
    }
    for size in [1, 2, 3, 7, 17, 63, 64, 65] { shapes.append(GEMMShape(m: size, k: size, n: size)) }
    return shapes
}()

/// Shapes above the GEMM's one-thread threshold (2·M·K·N > 10^7 flops) that split over
/// two threads by rows (M >= 2 · 16 · MR = 192) and by columns (few rows), the second with
/// K beyond one K block (512 Floats, 256 Doubles).
let parallelGEMMShapes = [GEMMShape(m: 192, k: 160, n: 192), GEMMShape(m: 40, k: 600, n: 256)]

/// The product and |A|·|B| of two row-major matrices, by the textbook loop in Double.
func naiveProduct(_ a: Reference, _ b: Reference) -> (product: Reference, magnitude: Reference) {
    let m = a.shape[0], k = a.shape[1], n = b.shape[1]
    var product = [Double](repeating: 0, count: m * n), magnitude = product
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0, absoluteSum = 0.0
            for p in 0..<k {
                let term = a.values[i * k + p] * b.values[p * n + j]
                sum += term
                absoluteSum += Swift.abs(term)
            }
            product[i * n + j] = sum
            magnitude[i * n + j] = absoluteSum
        }
    }
    return (Reference(shape: [m, n], values: product), Reference(shape: [m, n], values: magnitude))
}

/// The expected `beta·C + A·B + bias` and the per-element tolerance described above.
func expectedGEMM<Scalar: TensorScalar>(
    product: Reference, magnitude: Reference, k: Int, beta: Double, c: Reference?, bias: Reference?, _: Scalar.Type
) -> (Reference, Tolerance) {
    let n = product.shape[1]
    var values = product.values, scale = magnitude.values
    for index in values.indices {
        if let bias {
            values[index] += bias.values[index % n]
            scale[index] += Swift.abs(bias.values[index % n])
        }
        if beta != 0, let c {
            values[index] += beta * c.values[index]
            scale[index] += Swift.abs(beta * c.values[index])
        }
    }
    let epsilon = Double(Scalar.ulpOfOne)
    return (Reference(shape: product.shape, values: values),
            .elementwise(scale.map { Double(k + 2) * epsilon * $0 }))
}

/// `matrix` as a tensor that reads it transposed or not, through the given layout: when
/// `transposed`, the stored tensor holds the transpose and the result is its transposed view.
func matrixOperand<Scalar: TensorScalar>(_ matrix: Reference, transposed: Bool, _ layout: Layout, _: Scalar.Type) -> Tensor<Scalar> {
    transposed ? makeTensor(matrix.permuted([1, 0]), layout, as: Scalar.self).transposed()
        : makeTensor(matrix, layout, as: Scalar.self)
}

@Suite struct GEMMTests {
    static let transposes: [(Bool, Bool)] = [(false, false), (true, false), (false, true), (true, true)]

    @Test(arguments: gemmShapes)
    func matrixProduct(shape: GEMMShape) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let (m, k, n) = (shape.m, shape.k, shape.n)
            let a = Reference.random([m, k], in: -1...1, seed: UInt64(100 + m), as: Scalar.self)
            let b = Reference.random([k, n], in: -1...1, seed: UInt64(200 + n), as: Scalar.self)
            let c = Reference.random([m, n], in: -1...1, seed: 300, as: Scalar.self)
            let bias = Reference.random([n], in: -1...1, seed: 400, as: Scalar.self)
            let (product, magnitude) = naiveProduct(a, b)
            let plain = expectedGEMM(product: product, magnitude: magnitude, k: k, beta: 0, c: nil, bias: nil, Scalar.self)
            let context = "\(shape)"

            // The package's oracle agrees with ours, and the fast GEMM with both.
            let oracle = referenceMatmul(makeTensor(a, as: Scalar.self), makeTensor(b, as: Scalar.self))
            assertClose(oracle, plain.0, plain.1, "referenceMatmul vs naive loop, \(context)")
            let oracleWithBias = referenceMatmul(matrixOperand(a, transposed: true, .stepped, Scalar.self),
                                                 matrixOperand(b, transposed: true, .contiguous, Scalar.self),
                                                 bias: makeTensor(bias, as: Scalar.self))
            let withBias = expectedGEMM(product: product, magnitude: magnitude, k: k, beta: 0, c: nil, bias: bias, Scalar.self)
            assertClose(oracleWithBias, withBias.0, withBias.1, "referenceMatmul(Aᵀᵀ, Bᵀᵀ, bias) vs naive loop, \(context)")
            let fast = Tensor.matmul(makeTensor(a, as: Scalar.self), makeTensor(b, as: Scalar.self))
            assertClose(fast, Reference(shape: [m, n], values: elements(oracle)), plain.1, "matmul vs referenceMatmul, \(context)")

            for (index, (ta, tb)) in GEMMTests.transposes.enumerated() {
                let name = "\(ta ? "Aᵀ" : "A")·\(tb ? "Bᵀ" : "B") \(context)"
                // Transposes by flag: the stored operands are the transposes.
                let storedA = ta ? makeTensor(a.permuted([1, 0]), as: Scalar.self) : makeTensor(a, as: Scalar.self)
                let storedB = tb ? makeTensor(b.permuted([1, 0]), as: Scalar.self) : makeTensor(b, as: Scalar.self)
                assertClose(Tensor.matmul(storedA, storedB, transposingA: ta, transposingB: tb), plain.0, plain.1,
                            "matmul(transposingA: \(ta), transposingB: \(tb)) \(name)")

                // Transposes by view, in strided layouts, into an existing C.
                let layouts: [Layout] = [.contiguous, .stepped, .sliced, .permuted]
                let viewA = matrixOperand(a, transposed: ta, layouts[index], Scalar.self)
                let viewB = matrixOperand(b, transposed: tb, layouts[(index + 1) % 4], Scalar.self)

                // beta = 0 must ignore C entirely, even NaN.
                var output = Tensor<Scalar>.full([m, n], value: .nan)
                Tensor.multiply(viewA, viewB, into: &output, beta: 0, bias: makeTensor(bias, as: Scalar.self))
                assertClose(output, withBias.0, withBias.1, "beta = 0 over NaN, with bias, \(name)")

                // beta = 1 accumulates, into C's own storage only (a copy sharing it is untouched).
                let original = makeTensor(c, as: Scalar.self)
                output = original
                Tensor.multiply(viewA, viewB, into: &output, beta: 1)
                let accumulated = expectedGEMM(product: product, magnitude: magnitude, k: k, beta: 1, c: c, bias: nil, Scalar.self)
                assertClose(output, accumulated.0, accumulated.1, "beta = 1, \(name)")
                assertClose(original, c, .exact, "the tensor C was copied from, after multiply(into:), \(name)")

                // Other beta, with bias.
                let beta = index % 2 == 0 ? 0.5 : -1.5
                output = makeTensor(c, as: Scalar.self)
                Tensor.multiply(viewA, viewB, into: &output, beta: Scalar(beta), bias: makeTensor(bias, as: Scalar.self))
                let scaled = expectedGEMM(product: product, magnitude: magnitude, k: k, beta: beta, c: c, bias: bias, Scalar.self)
                assertClose(output, scaled.0, scaled.1, "beta = \(beta) with bias, \(name)")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// The parallel splits (at the default thread count) against the naive loop.
    @Test(arguments: parallelGEMMShapes)
    func parallelSplits(shape: GEMMShape) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let (m, k, n) = (shape.m, shape.k, shape.n)
            let a = Reference.random([m, k], in: -1...1, seed: 450, as: Scalar.self)
            let b = Reference.random([k, n], in: -1...1, seed: 451, as: Scalar.self)
            let c = Reference.random([m, n], in: -1...1, seed: 452, as: Scalar.self)
            let bias = Reference.random([n], in: -1...1, seed: 453, as: Scalar.self)
            let (product, magnitude) = naiveProduct(a, b)
            let withBias = expectedGEMM(product: product, magnitude: magnitude, k: k, beta: 0, c: nil, bias: bias, Scalar.self)
            assertClose(Tensor.matmul(makeTensor(a, as: Scalar.self), makeTensor(b, as: Scalar.self), bias: makeTensor(bias, as: Scalar.self)),
                        withBias.0, withBias.1, "A·B + bias \(shape)")
            var output = makeTensor(c, as: Scalar.self)
            Tensor.multiply(matrixOperand(a, transposed: true, .contiguous, Scalar.self),
                            matrixOperand(b, transposed: true, .contiguous, Scalar.self), into: &output, beta: 1)
            let accumulated = expectedGEMM(product: product, magnitude: magnitude, k: k, beta: 1, c: c, bias: nil, Scalar.self)
            assertClose(output, accumulated.0, accumulated.1, "C + Aᵀ·Bᵀ \(shape)")
        }
        check(Float.self)
        check(Double.self)
    }

    /// Batched products: both operands batched, one shared 2-D operand, transposes by flag,
    /// a permuted batch axis, and accumulation into a batched C.
    @Test(arguments: [GEMMShape(m: 7, k: 17, n: 9), GEMMShape(m: 1, k: 64, n: 65), GEMMShape(m: 65, k: 3, n: 1)])
    func batchedProduct(shape: GEMMShape) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let (m, k, n, batch) = (shape.m, shape.k, shape.n, 3)
            let a = Reference.random([batch, m, k], in: -1...1, seed: 500, as: Scalar.self)
            let b = Reference.random([batch, k, n], in: -1...1, seed: 501, as: Scalar.self)
            let shared = Reference.random([k, n], in: -1...1, seed: 502, as: Scalar.self)
            let sharedA = Reference.random([m, k], in: -1...1, seed: 503, as: Scalar.self)
            let bias = Reference.random([n], in: -1...1, seed: 504, as: Scalar.self)
            func slice(_ r: Reference, _ index: Int) -> Reference {
                Reference(shape: Array(r.shape.dropFirst()), values: Array(r.values[(index * r.count / batch)..<((index + 1) * r.count / batch)]))
            }
            /// Expected [batch, m, n] from per-batch products, with tolerances.
            func expected(_ left: (Int) -> Reference, _ right: (Int) -> Reference, bias: Reference?, beta: Double = 0,
                          c: Reference? = nil) -> (Reference, Tolerance) {
                var values: [Double] = [], bounds: [Double] = []
                for index in 0..<batch {
                    let (product, magnitude) = naiveProduct(left(index), right(index))
                    let (value, tolerance) = expectedGEMM(product: product, magnitude: magnitude, k: k, beta: beta,
                                                          c: c.map { slice($0, index) }, bias: bias, Scalar.self)
                    values += value.values
                    bounds += value.values.indices.map { tolerance.allowed($0, 0) }
                }
                return (Reference(shape: [batch, m, n], values: values), .elementwise(bounds))
            }
            let both = expected({ slice(a, $0) }, { slice(b, $0) }, bias: nil)
            assertClose(Tensor.matmul(makeTensor(a, as: Scalar.self), makeTensor(b, as: Scalar.self)), both.0, both.1,
                        "batched A·B \(shape)")
            // Transposes by flag on stored transposes; a batch axis that is not outermost in storage.
            let aT = makeTensor(a.permuted([0, 2, 1]), .stepped, as: Scalar.self)
            let batchInner = makeTensor(b.permuted([1, 0, 2]), as: Scalar.self).permuted([1, 0, 2])
            assertClose(Tensor.matmul(aT, batchInner, transposingA: true, transposingB: false), both.0, both.1,
                        "batched Aᵀ·B with a permuted batch axis \(shape)")
            assertClose(Tensor.matmul(aT, makeTensor(b.permuted([0, 2, 1]), as: Scalar.self), transposingA: true, transposingB: true),
                        both.0, both.1, "batched Aᵀ·Bᵀ \(shape)")
            // A shared right operand, with bias.
            let right = expected({ slice(a, $0) }, { _ in shared }, bias: bias)
            assertClose(Tensor.matmul(makeTensor(a, .permuted, as: Scalar.self), makeTensor(shared, as: Scalar.self),
                                      bias: makeTensor(bias, as: Scalar.self)),
                        right.0, right.1, "batched A · shared B + bias \(shape)")
            // A shared left operand.
            let left = expected({ _ in sharedA }, { slice(b, $0) }, bias: nil)
            assertClose(Tensor.matmul(makeTensor(sharedA, as: Scalar.self), makeTensor(b, .sliced, as: Scalar.self)),
                        left.0, left.1, "shared A · batched B \(shape)")
            // Accumulation into a batched C.
            let c = Reference.random([batch, m, n], in: -1...1, seed: 505, as: Scalar.self)
            var output = makeTensor(c, as: Scalar.self)
            Tensor.multiply(makeTensor(a, as: Scalar.self), makeTensor(b, as: Scalar.self), into: &output, beta: 1)
            let accumulated = expected({ slice(a, $0) }, { slice(b, $0) }, bias: nil, beta: 1, c: c)
            assertClose(output, accumulated.0, accumulated.1, "batched beta = 1 \(shape)")
        }
        check(Float.self)
        check(Double.self)
    }

    /// K = 0: the product is empty, so C becomes beta·C + bias (NaN in C ignored at beta = 0).
    @Test func emptyInnerDimension() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let a = Tensor<Scalar>.zeros([3, 0]), b = Tensor<Scalar>.zeros([0, 4])
            let bias = Reference.random([4], seed: 600, as: Scalar.self)
            assertClose(Tensor.matmul(a, b), Reference(shape: [3, 4], values: [Double](repeating: 0, count: 12)), .exact, "K = 0")
            var output = Tensor<Scalar>.full([3, 4], value: .nan)
            Tensor.multiply(a, b, into: &output, bias: makeTensor(bias, as: Scalar.self))
            assertClose(output, bias.expanded(to: [3, 4]), .exact, "K = 0, beta = 0 over NaN, with bias")
            let c = Reference.random([3, 4], seed: 601, as: Scalar.self)
            output = makeTensor(c, as: Scalar.self)
            Tensor.multiply(a, b, into: &output, beta: 1)
            assertClose(output, c, .exact, "K = 0, beta = 1")
        }
        check(Float.self)
        check(Double.self)
    }

    /// The instance method and the identity: A·I = A exactly (one nonzero term per sum).
    @Test func identityProduct() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let a = Reference.random([33, 65], seed: 700, as: Scalar.self)
            assertClose(makeTensor(a, .stepped, as: Scalar.self).matmul(Tensor<Scalar>.identity(65)), a, .exact, "A·I")
            assertClose(Tensor<Scalar>.identity(33).matmul(makeTensor(a, .permuted, as: Scalar.self)), a, .exact, "I·A")
        }
        check(Float.self)
        check(Double.self)
    }
}
