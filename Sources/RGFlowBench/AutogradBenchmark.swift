// The `autograd` suite: a residual block's forward and backward through the tape against
// the same computation written directly with Tensor kernels, and memory over 100 steps.

import Autograd
import Foundation
@_spi(AutogradKernels) import Tensor

/// The block of the model's subnets at the paper's first level: x + W2·swish(W1·swish(x)),
/// scaled by 1/√2, on [4096, 48] rows with 512 hidden features.
private struct ResidualBlock {
    let rows = 4096, width = 48, hidden = 512
    let x: Tensor<Float>
    let upstream: Tensor<Float>
    let beta1, weight1, bias1, beta2, weight2, bias2: Parameter<Float>

    init() {
        var generator = TensorRandomGenerator(seed: 42)
        x = .normal([rows, width], using: &generator)
        upstream = .normal([rows, width], using: &generator)
        beta1 = Parameter(.ones([width]))
        weight1 = Parameter(.normal([hidden, width], standardDeviation: 0.1, using: &generator))
        bias1 = Parameter(.zeros([hidden]))
        beta2 = Parameter(.ones([hidden]))
        weight2 = Parameter(.normal([width, hidden], standardDeviation: 0.05, using: &generator))
        bias2 = Parameter(.zeros([width]))
    }

    var parameters: [Parameter<Float>] { [beta1, weight1, bias1, beta2, weight2, bias2] }

    /// Forward and backward through the tape; returns the input gradient.
    func autograd() -> Tensor<Float> {
        let input = Variable(x, requiresGradient: true)
        let hidden = Variable.matmul(input.swish(beta: beta1.variable), weight1.variable, transposingB: true, bias: bias1.variable)
        let output = Variable.matmul(hidden.swish(beta: beta2.variable), weight2.variable, transposingB: true, bias: bias2.variable)
        let result = (input + output) * Float(0.5).squareRoot()
        result.backward(seed: upstream)
        return input.gradient!
    }

    /// The same forward and backward with Tensor kernels and hand-written gradients.
    func direct() -> Tensor<Float> {
        let scale = Float(0.5).squareRoot()
        let activation0 = x.swish(beta: beta1.value)
        let hidden = Tensor.matmul(activation0, weight1.value, transposingB: true, bias: bias1.value)
        let activation1 = hidden.swish(beta: beta2.value)
        let output = Tensor.matmul(activation1, weight2.value, transposingB: true, bias: bias2.value)
        blackHole((x + output) * scale)
        let g = upstream * scale
        accumulate(weight2, Tensor.matmul(g, activation1, transposingA: true))
        accumulate(bias2, g.sum(axes: [0]))
        let gradientActivation1 = Tensor.matmul(g, weight2.value)
        let gradientHidden = Tensor.swishInputGradient(upstream: gradientActivation1, input: hidden, beta: beta2.value)
        accumulate(beta2, Tensor.swishBetaGradient(upstream: gradientActivation1, input: hidden, beta: beta2.value).sum(axes: [0]))
        accumulate(weight1, Tensor.matmul(gradientHidden, activation0, transposingA: true))
        accumulate(bias1, gradientHidden.sum(axes: [0]))
        let gradientActivation0 = Tensor.matmul(gradientHidden, weight1.value)
        let gradientInput = Tensor.swishInputGradient(upstream: gradientActivation0, input: x, beta: beta1.value)
        accumulate(beta1, Tensor.swishBetaGradient(upstream: gradientActivation0, input: x, beta: beta1.value).sum(axes: [0]))
        return gradientInput + g
    }

    private func accumulate(_ parameter: Parameter<Float>, _ gradient: Tensor<Float>) {
        parameter.gradient = parameter.gradient.map { $0 + gradient } ?? gradient
    }
}

/// Resident and peak resident memory of this process in MiB, from /proc/self/status.
func residentMemoryMiB() -> (current: Double, peak: Double) {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (.nan, .nan) }
    func field(_ name: String) -> Double {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return .nan }
        return (Double(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? .nan) / 1024
    }
    return (field("VmRSS:"), field("VmHWM:"))
}

func runAutogradBenchmark(json: Bool, quick: Bool) {
    var printer = ReportPrinter(json: json)
    var memoryPrinter = ReportPrinter(json: json)
    let block = ResidualBlock()
    let repetitions = quick ? 5 : 15
    if !json { print("rgflow-bench autograd: build \(buildDescription), \(Parallelism.threadCount) threads\n") }
    // Agreement first: the two versions must compute the same gradients.
    block.parameters.forEach { $0.zeroGradient() }
    let viaTape = block.autograd()
    let tapeGradients = block.parameters.map { $0.gradient! }
    block.parameters.forEach { $0.zeroGradient() }
    let viaKernels = block.direct()
    let difference = zip(tapeGradients, block.parameters.map { $0.gradient! })
        .map { ($0 - $1).abs().max().scalar }.max()! + (viaTape - viaKernels).abs().max().scalar
    // Alternate the two versions so drifting machine speed affects both alike.
    var tapeTimes: [Double] = [], directTimes: [Double] = []
    for _ in 0..<repetitions {
        block.parameters.forEach { $0.zeroGradient() }
        tapeTimes.append(medianSeconds(repetitions: 1) { blackHole(block.autograd()) })
        block.parameters.forEach { $0.zeroGradient() }
        directTimes.append(medianSeconds(repetitions: 1) { blackHole(block.direct()) })
    }
    let tape = tapeTimes.sorted()[repetitions / 2], direct = directTimes.sorted()[repetitions / 2]
    printer.add(BenchmarkRow(fields: [
        ("name", "residual_block_fwd_bwd"), ("dtype", "float32"), ("threads", Parallelism.threadCount),
        ("autograd_ms", tape * 1e3), ("direct_ms", direct * 1e3), ("overhead_percent", (tape / direct - 1) * 100),
        ("max_gradient_difference", difference),
    ]))
    // Memory over 100 training steps (forward, backward, SGD update): it must stay flat.
    var samples: [(Int, Double)] = []
    for step in 1...100 {
        block.parameters.forEach { $0.zeroGradient() }
        blackHole(block.autograd())
        for parameter in block.parameters { parameter.value = parameter.value - parameter.gradient! * 1e-4 }
        if step == 10 || step == 50 || step == 100 { samples.append((step, residentMemoryMiB().current)) }
    }
    let peak = residentMemoryMiB().peak
    memoryPrinter.add(BenchmarkRow(fields: [
        ("name", "memory_100_steps"), ("rss_step10_mib", samples[0].1), ("rss_step50_mib", samples[1].1),
        ("rss_step100_mib", samples[2].1), ("peak_rss_mib", peak),
    ]))
    if !json {
        printer.printTable(columns: ["name", "dtype", "threads", "autograd_ms", "direct_ms", "overhead_percent", "max_gradient_difference"])
        print("")
        memoryPrinter.printTable(columns: ["name", "rss_step10_mib", "rss_step50_mib", "rss_step100_mib", "peak_rss_mib"])
    }
}
