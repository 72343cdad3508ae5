// The `tensor` suite: GEMM GFLOP/s at the model's shapes and elementwise GB/s, each next to
// numpy timed in the same run.

import Dispatch
import Foundation
import Tensor

/// A GEMM shape of the model: C[m, n] = op(A)·op(B) with inner dimension k.
struct GEMMCase {
    var name: String  // gemm_nn, gemm_tn, gemm_nt
    var m: Int, k: Int, n: Int

    var transposingA: Bool { name == "gemm_tn" }
    var transposingB: Bool { name == "gemm_nt" }
    var key: String { "\(name)_\(m)_\(k)_\(n)" }
}

let gemmCases = [
    GEMMCase(name: "gemm_nn", m: 4096, k: 48, n: 512),
    GEMMCase(name: "gemm_nn", m: 4096, k: 512, n: 512),
    GEMMCase(name: "gemm_nn", m: 4096, k: 512, n: 48),
    GEMMCase(name: "gemm_tn", m: 48, k: 4096, n: 512),
    GEMMCase(name: "gemm_tn", m: 512, k: 4096, n: 512),
    GEMMCase(name: "gemm_nt", m: 4096, k: 512, n: 512),
]

let elementCount = 1 << 22

func numpyTensorProgram(dtype: String, repetitions: Int) -> String {
    let cases = gemmCases.map { "(\"\($0.key)\", \($0.m), \($0.k), \($0.n), \($0.transposingA ? "True" : "False"), \($0.transposingB ? "True" : "False"))" }
    return """
    import time, numpy as np
    dt = np.\(dtype)
    rng = np.random.default_rng(0)
    def med(f, reps=\(repetitions)):
        f(); ts = []
        for _ in range(reps):
            t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
        ts.sort(); return ts[len(ts) // 2]
    for key, m, k, n, ta, tb in [\(cases.joined(separator: ", "))]:
        a = rng.standard_normal((k, m) if ta else (m, k)).astype(dt)
        b = rng.standard_normal((n, k) if tb else (k, n)).astype(dt)
        aa = a.T if ta else a
        bb = b.T if tb else b
        c = np.empty((m, n), dtype=dt)
        print(key, med(lambda: np.matmul(aa, bb, out=c)))
    x = rng.standard_normal(\(elementCount)).astype(dt) * 4
    y = np.empty_like(x); t = np.empty_like(x)
    print("exp", med(lambda: np.exp(x, out=y)))
    def sigmoid():
        np.negative(x, out=t); np.exp(t, out=t); np.add(t, 1, out=t); np.divide(1, t, out=y)
    print("sigmoid", med(sigmoid))
    def swish():
        np.multiply(x, -1.5, out=t); np.exp(t, out=t); np.add(t, 1, out=t); np.divide(x, t, out=y)
    print("swish", med(swish))
    """
}

func runTensorBenchmark(json: Bool, quick: Bool) {
    var printer = ReportPrinter(json: json)
    let repetitions = quick ? 3 : 11
    let allThreads = Parallelism.defaultThreadCount
    let threadCounts = allThreads > 1 ? [1, allThreads] : [1]
    if !json { print("rgflow-bench tensor: build \(buildDescription), \(allThreads) threads available\n") }
    for dtype in ["float32", "float64"] {
        for threads in threadCounts {
            let peer = parseTimings(runNumpy(numpyTensorProgram(dtype: dtype, repetitions: repetitions), threads: threads))
            Parallelism.threadCount = threads
            if dtype == "float32" {
                benchmark(Float.self, threads: threads, repetitions: repetitions, peer: peer, into: &printer)
            } else {
                benchmark(Double.self, threads: threads, repetitions: repetitions, peer: peer, into: &printer)
            }
        }
    }
    Parallelism.threadCount = allThreads
    printer.printTable(columns: ["name", "dtype", "threads", "m", "k", "n", "gflops", "gbps", "numpy_gflops", "numpy_gbps", "numpy_ratio"])
}

private func benchmark<Scalar: TensorScalar>(
    _: Scalar.Type, threads: Int, repetitions: Int, peer: [String: Double], into printer: inout ReportPrinter
) {
    var generator = TensorRandomGenerator(seed: 1)
    // Wake the worker threads and let the clock settle after the numpy process: the first
    // timing of a group measured low without this.
    let warmA = Tensor<Scalar>.normal([1024, 512], using: &generator), warmB = Tensor<Scalar>.normal([512, 512], using: &generator)
    let warmStart = DispatchTime.now().uptimeNanoseconds
    while DispatchTime.now().uptimeNanoseconds - warmStart < 300_000_000 { blackHole(Tensor.matmul(warmA, warmB)) }
    for gemm in gemmCases {
        let a = Tensor<Scalar>.normal(gemm.transposingA ? [gemm.k, gemm.m] : [gemm.m, gemm.k], using: &generator)
        let b = Tensor<Scalar>.normal(gemm.transposingB ? [gemm.n, gemm.k] : [gemm.k, gemm.n], using: &generator)
        var c = Tensor<Scalar>.zeros([gemm.m, gemm.n])
        let left = gemm.transposingA ? a.transposed() : a
        let right = gemm.transposingB ? b.transposed() : b
        let seconds = medianSeconds(repetitions: repetitions) { Tensor.multiply(left, right, into: &c) }
        let flops = 2 * Double(gemm.m) * Double(gemm.k) * Double(gemm.n)
        let numpy = peer[gemm.key].map { flops / $0 / 1e9 } ?? .nan
        let ours = flops / seconds / 1e9
        printer.add(BenchmarkRow(fields: [
            ("name", gemm.name), ("dtype", Scalar.dtypeName), ("threads", threads),
            ("m", gemm.m), ("k", gemm.k), ("n", gemm.n), ("gflops", ours),
            ("numpy_gflops", numpy), ("numpy_ratio", ours / numpy),
        ]))
    }
    let x = Tensor<Scalar>.normal([elementCount], standardDeviation: 4, using: &generator)
    let beta = Tensor<Scalar>(1.5)
    let bytes = Double(2 * elementCount * MemoryLayout<Scalar>.stride)
    let operations: [(String, () -> Tensor<Scalar>)] = [
        ("exp", { x.exp() }),
        ("sigmoid", { x.sigmoid() }),
        ("swish", { x.swish(beta: beta) }),
    ]
    for (name, operation) in operations {
        let seconds = medianSeconds(repetitions: repetitions) { blackHole(operation()) }
        let ours = bytes / seconds / 1e9
        let numpy = peer[name].map { bytes / $0 / 1e9 } ?? .nan
        printer.add(BenchmarkRow(fields: [
            ("name", name), ("dtype", Scalar.dtypeName), ("threads", threads), ("gbps", ours),
            ("numpy_gbps", numpy), ("numpy_ratio", ours / numpy),
        ]))
    }
}
