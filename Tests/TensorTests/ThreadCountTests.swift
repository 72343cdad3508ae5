// Results never depend on Parallelism.threadCount: long reductions, column sums, GEMM in
// both of its parallel splits, elementwise kernels and random fills are bitwise identical
// on 1, 2 and 3 threads.
//
// This is the only suite that changes the global setting, and it is serialized so that its
// tests do not interleave their changes. Other suites run concurrently and read the
// setting; by design it never changes their results, which is exactly what is tested here.

import Testing
import Tensor

/// `body` computed with `Parallelism.threadCount` set to each of `counts` (then restored).
func acrossThreadCounts<Result>(threads counts: [Int] = [1, 2, 3], _ body: () -> Result) -> [Result] {
    let saved = Parallelism.threadCount
    defer { Parallelism.threadCount = saved }
    return counts.map { threads in
        Parallelism.threadCount = threads
        return body()
    }
}

@Suite(.serialized) struct ThreadCountTests {
    /// Long rows (> 100k elements, so split into blocks over threads), a full reduction,
    /// several long rows, tall column sums and a reduction of a permuted tensor.
    @Test func reductions() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let cases: [([Int], [Int]?)] = [([1, 120_001], [1]), ([120_001], nil), ([3, 40_001], [1]), ([30_001, 5], [0]),
                                            ([2000, 64], [0]), ([40, 3000], [0])]
            for (shape, axes) in cases {
                let x = makeTensor(Reference.random(shape, in: -1...2, seed: 900, as: Scalar.self), as: Scalar.self)
                for reduce in [{ x.sum(axes: axes) }, { x.max(axes: axes) }, { x.variance(axes: axes) }] {
                    let results = acrossThreadCounts(reduce)
                    #expect(bitwiseEqual(results[0], results[1]) && bitwiseEqual(results[0], results[2]),
                            "\(Scalar.dtypeName) reduction of \(shape) over \(String(describing: axes)) depends on the thread count")
                }
            }
            let permuted = makeTensor(Reference.random([300, 400], seed: 901, as: Scalar.self), .permuted, as: Scalar.self)
            let results = acrossThreadCounts { permuted.sum(axes: [0]) }
            #expect(bitwiseEqual(results[0], results[1]) && bitwiseEqual(results[0], results[2]))
        }
        check(Float.self)
        check(Double.self)
    }

    /// Shapes above the one-thread threshold, split by rows and by columns (see
    /// `parallelGEMMShapes`): A·B with bias, and Aᵀ·Bᵀ (both operands read across their
    /// storage) accumulated into C. On 1 and 2 threads only: GEMM is the slow part of a
    /// debug test run.
    @Test(arguments: parallelGEMMShapes)
    func matrixProducts(shape: GEMMShape) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let a = makeTensor(Reference.random([shape.m, shape.k], in: -1...1, seed: 902, as: Scalar.self), as: Scalar.self)
            let b = makeTensor(Reference.random([shape.k, shape.n], in: -1...1, seed: 903, as: Scalar.self), as: Scalar.self)
            let bias = makeTensor(Reference.random([shape.n], seed: 904, as: Scalar.self), as: Scalar.self)
            let c = makeTensor(Reference.random([shape.m, shape.n], seed: 905, as: Scalar.self), as: Scalar.self)
            let aT = a.transposed().contiguous(), bT = b.transposed().contiguous()
            let products: [(String, () -> Tensor<Scalar>)] = [
                ("A·B + bias", { Tensor.matmul(a, b, bias: bias) }),
                ("C + Aᵀ·Bᵀ", {
                    var output = c
                    Tensor.multiply(aT.transposed(), bT.transposed(), into: &output, beta: 1)
                    return output
                }),
            ]
            for (name, product) in products {
                let results = acrossThreadCounts(threads: [1, 2], product)
                #expect(bitwiseEqual(results[0], results[1]),
                        "\(Scalar.dtypeName) \(name) at \(shape) depends on the thread count")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func elementwise() {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let x = makeTensor(Reference.random([100_003], in: -20...20, seed: 906, as: Scalar.self), as: Scalar.self)
            let y = makeTensor(Reference.random([400, 257], in: -20...20, seed: 907, as: Scalar.self), .permuted, as: Scalar.self)
            for (name, f) in [("exp", { x.exp() }), ("softplus", { x.softplus() }), ("strided +", { y + y.sigmoid() }),
                              ("copy", { y.contiguous() })] as [(String, () -> Tensor<Scalar>)] {
                let results = acrossThreadCounts(f)
                #expect(bitwiseEqual(results[0], results[1]) && bitwiseEqual(results[0], results[2]), "\(name) depends on the thread count")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    /// Random fills large enough to be split over threads give the same values on any count.
    @Test(arguments: distributions)
    func randomFills(distribution: Distribution) {
        func check<Scalar: TensorScalar>(_: Scalar.Type) {
            let results = acrossThreadCounts { () -> (Tensor<Scalar>, TensorRandomGenerator) in
                var generator = TensorRandomGenerator(seed: 31)
                let values = distribution.fill([100_001], &generator, Scalar.self)
                return (values, generator)
            }
            #expect(bitwiseEqual(results[0].0, results[1].0) && bitwiseEqual(results[0].0, results[2].0),
                    "\(distribution) \(Scalar.dtypeName) fill depends on the thread count")
            #expect(results[0].1 == results[1].1 && results[0].1 == results[2].1, "the generator's position depends on the thread count")
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func settingRoundTrips() {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        #expect(saved >= 1 && Parallelism.defaultThreadCount >= 1)
        for threads in [1, 2, 5] {
            Parallelism.threadCount = threads
            #expect(Parallelism.threadCount == threads)
        }
    }
}
