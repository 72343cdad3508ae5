// `rgflow-bench worker`: one measurement in a process that has done nothing else, so its
// VmHWM is its own peak. The `train` and `inference` suites start one worker per row and
// read its JSON line; nothing here prints a table.

import Autograd
import Foundation
import RGFlow
import Tensor

/// The peer's presets (../shared/peer/README.md).
let benchmarkPresets: [String: (layers: String, residualBlocks: String, hiddenLayers: String, hidden: String)] = [
    "cpu-small": ("2,2,1,1", "2", "1", "128"),
    "paper": ("8,6,4,2", "4", "2", "512"),
]

/// What a worker is asked to measure.
struct WorkerRequest {
    var task = "train"
    var preset = "cpu-small"
    var float64 = false
    var recompute = false
    var steps = 5
    /// Time the kernels by category (KernelTiming) and the optimiser on its own.
    var breakdown = false
    /// Plan the activations for this many bytes of tensors (ActivationMemoryPlan) instead of `recompute`.
    var memoryBudget: Int?

    var arguments: [String] {
        ["worker", task, "--preset", preset, "--steps", "\(steps)"] + (float64 ? ["--float64"] : [])
            + (recompute ? ["--recompute"] : []) + (breakdown ? ["--breakdown"] : [])
            + (memoryBudget.map { ["--memory_budget", "\($0)"] } ?? [])
    }

    init(task: String, preset: String, float64: Bool, recompute: Bool, steps: Int, breakdown: Bool = false) {
        (self.task, self.preset, self.float64, self.recompute, self.steps) = (task, preset, float64, recompute, steps)
        self.breakdown = breakdown
    }

    init(parsing arguments: [String]) throws {
        var rest = arguments[...]
        task = rest.popFirst() ?? ""
        while let flag = rest.popFirst() {
            switch flag {
            case "--preset": preset = rest.popFirst() ?? ""
            case "--steps": steps = Int(rest.popFirst() ?? "") ?? 0
            case "--float64": float64 = true
            case "--recompute": recompute = true
            case "--breakdown": breakdown = true
            case "--memory_budget":
                guard let bytes = Int(rest.popFirst() ?? ""), bytes > 0 else { throw BenchError("worker: --memory_budget takes bytes") }
                memoryBudget = bytes
            default: throw BenchError("worker: unknown flag \(flag)")
            }
        }
        guard ["train", "inference"].contains(task) else { throw BenchError("worker: task train or inference, found '\(task)'") }
        guard benchmarkPresets[preset] != nil else { throw BenchError("worker: preset cpu-small or paper, found '\(preset)'") }
        guard steps >= 1 else { throw BenchError("worker: --steps at least 1") }
    }
}

/// A benchmark failure, printed as one line.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs the request and prints one JSON object.
func runWorker(_ arguments: [String]) throws {
    let request = try WorkerRequest(parsing: arguments)
    let fields = request.float64 ? try measure(Double.self, request) : try measure(Float.self, request)
    print(BenchmarkRow(fields: fields).json())
}

private func measure<Scalar: TensorScalar & BinaryFloatingPoint>(_: Scalar.Type, _ request: WorkerRequest) throws
    -> [(String, Any)]
{
    let settings = benchmarkPresets[request.preset]!
    let configuration = try FlowConfiguration(channels: 3, sideLength: 32, kernelSize: 4, prior: "laplace",
                                              layers: settings.layers, residualBlocks: settings.residualBlocks,
                                              hiddenLayers: settings.hiddenLayers, hiddenWidths: settings.hidden)
    let model = RGFlowModel<Scalar>(configuration: configuration, seed: 0)
    var generator = TensorRandomGenerator(seed: 0)
    let pixels = Tensor<Scalar>.uniform([64, 3, 32, 32], using: &generator)
    let parameterBytes = Double(model.parameters.reduce(0) { $0 + $1.value.scalarCount } * MemoryLayout<Scalar>.size)
    if request.task == "inference" {
        let latents = model.sampleLatents(count: 64, using: &generator)
        let encode = medianSeconds(repetitions: request.steps) { blackHole(model.encode(pixels)) }
        let sample = medianSeconds(repetitions: request.steps) { blackHole(model.pixels(fromLatents: latents)) }
        return [("encode_s_median", encode), ("sample_s_median", sample), ("peak_rss_mib", residentMemoryMiB().peak),
                ("parameter_mib", parameterBytes / 1_048_576)]
    }
    model.network.recomputesActivations = request.recompute
    var planned: [(String, Any)] = []
    if let budget = request.memoryBudget {
        let plan = model.planActivationMemory(batchSize: 64, budgetBytes: budget)
        BufferPool.limitResidentBytes(to: budget)
        planned = [("planned_peak_mib", Double(plan.estimatedPeakBytes) / 1_048_576),
                   ("kept_layers", plan.recomputes.filter { !$0 }.count), ("layers", plan.recomputes.count)]
    }
    let optimizer = AdamW(parameters: model.parameters, learningRate: 1e-3, weightDecay: 5e-2)
    var times: [Double] = []
    var floor = 0.0
    var categories = [KernelTiming.Category: Double](), optimizerSeconds = 0.0
    // Step 0 warms up; then the floor is read with the pool emptied, step 1 warms the pool up
    // again, and steps 2 ... steps + 1 are timed.
    var tensorPeak = 0.0
    BufferPool.measuringThisThread {
        for step in 0...(request.steps + 1) {
            let timed = step > 1
            let start = DispatchTime.now().uptimeNanoseconds
            if timed && request.breakdown { KernelTiming.start() }
            optimizer.parameters.forEach { $0.zeroGradient() }
            let loss = model.loss(pixels: pixels, dequantizingWith: &generator)
            loss.mean.backward()
            if timed && request.breakdown { categories.merge(KernelTiming.stop(), uniquingKeysWith: +) }
            let optimizerStart = DispatchTime.now().uptimeNanoseconds
            _ = clipGradientNorm(optimizer.parameters, maxNorm: 1)
            optimizer.update()
            let end = DispatchTime.now().uptimeNanoseconds
            if timed {
                optimizerSeconds += Double(end - optimizerStart) / 1e9
                times.append(Double(end - start) / 1e9)
            }
            if step == 0 {
                // Between steps only the weights, gradients, moments and code are resident once the
                // pool's cached activation buffers are returned: the floor activations sit on.
                BufferPool.releaseCachedBuffers()
                floor = residentMemoryMiB().current
            }
        }
        // Gradients and moments are allocated inside; the parameters were before.
        tensorPeak = (Double(BufferPool.measuredPeakBytes) + parameterBytes) / 1_048_576
    }
    var breakdown: [(String, Any)] = []
    if request.breakdown {
        let steps = Double(request.steps), total = times.reduce(0, +) / steps
        for category in KernelTiming.Category.allCases {
            breakdown.append(("breakdown \(category.name)", (categories[category] ?? 0) / steps))
        }
        breakdown.append(("breakdown optimiser (clip, AdamW)", optimizerSeconds / steps))
        let counted = categories.values.reduce(0, +) / steps + optimizerSeconds / steps
        breakdown.append(("breakdown other (tape, allocation, glue)", total - counted))
        breakdown.append(("breakdown total", total))
    }
    let peak = residentMemoryMiB().peak
    return [("step_s_median", times.sorted()[times.count / 2]), ("peak_rss_mib", peak), ("floor_rss_mib", floor),
            ("activation_peak_mib", peak - floor), ("parameter_mib", parameterBytes / 1_048_576),
            ("tensor_peak_mib", tensorPeak)] + breakdown + planned
}
