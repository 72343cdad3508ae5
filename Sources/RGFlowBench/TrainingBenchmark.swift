// The `train` and `inference` suites: our steps against the PyTorch peer's on the peer's
// presets. Every row is measured in its own fresh process (ChildProcess.swift); the rows
// alternate for `--rounds` rounds and each cell is the median over rounds of the per-process
// medians, so a slow spell of this shared machine hits both sides alike.

import Foundation
import Tensor

/// The options both suites take.
private struct SuiteOptions {
    let preset: String
    let float64: Bool
    let rounds: Int
    let steps: Int

    init(arguments: [String], quick: Bool) throws {
        preset = arguments.contains("--paper") ? "paper" : "cpu-small"
        float64 = arguments.contains("--float64")
        if let index = arguments.firstIndex(of: "--rounds") {
            guard index + 1 < arguments.count, let value = Int(arguments[index + 1]), (1...100).contains(value) else {
                throw BenchError("--rounds takes a count from 1 to 100")
            }
            rounds = value
        } else {
            rounds = quick ? 1 : 3
        }
        steps = quick || preset == "paper" ? 3 : 7
        if let index = arguments.firstIndex(of: "--memory_budget") {
            guard index + 1 < arguments.count, let bytes = Int(byteSize: arguments[index + 1]) else {
                throw BenchError("--memory_budget takes a size such as 8G or 512M")
            }
            memoryBudget = bytes
        } else {
            memoryBudget = nil
        }
    }

    /// Bytes a step may hold under `--memory_budget`: an extra row of ours, planned for it.
    let memoryBudget: Int?

    var dtype: String { float64 ? "float64" : "float32" }

    /// The suite's first lines: what runs, and whether the peer can.
    func printHeader(_ suite: String) {
        print("rgflow-bench \(suite): preset \(preset), batch 64, \(dtype), build \(buildDescription), "
              + "\(Parallelism.threadCount) threads, \(rounds) alternated rounds of fresh processes")
        if !peerAvailable { print("(no PyTorch peer: set RGFLOW_PEER_PYTHON to a python with torch, see ../shared/peer/README.md)") }
        print("")
    }
}

private func medianOf(_ values: [Double]) -> Double {
    values.isEmpty ? .nan : values.sorted()[values.count / 2]
}

/// One side's repeated measurement: the values of each field over the rounds.
private struct Samples {
    var values: [String: [Double]] = [:]
    var threads = 0

    mutating func add(_ result: [String: Any]?) {
        guard let result else { return }
        for (key, value) in result { if let number = value as? Double { values[key, default: []].append(number) } }
        if let count = result["threads"] as? Int { threads = count }
    }

    func median(_ key: String) -> Double { medianOf(values[key] ?? []) }
    /// Peaks are reported as the largest over rounds, never a flattering middle.
    func maximum(_ key: String) -> Double { values[key]?.max() ?? .nan }
    var isEmpty: Bool { values.isEmpty }
}

func runTrainingBenchmark(json: Bool, quick: Bool, arguments: [String]) throws {
    let options = try SuiteOptions(arguments: arguments, quick: quick)
    if !json { options.printHeader("train") }
    // PyTorch keeping the paper network's activations needs more than 24 GiB (it was
    // OOM-killed here), so at that size only its recomputing mode runs.
    let peerModes = options.preset == "paper" ? [true] : [false, true]
    var ours: [Bool: Samples] = [:], peer: [Bool: Samples] = [:], budgeted = Samples()
    for _ in 0..<options.rounds {
        for recompute in [false, true] {
            ours[recompute, default: Samples()].add(runWorkerProcess(WorkerRequest(
                task: "train", preset: options.preset, float64: options.float64, recompute: recompute, steps: options.steps)))
            if peerModes.contains(recompute) {
                peer[recompute, default: Samples()].add(runPeerTraining(
                    preset: options.preset, float64: options.float64, recompute: recompute, steps: options.steps))
            }
        }
        if let budget = options.memoryBudget {
            var request = WorkerRequest(task: "train", preset: options.preset, float64: options.float64, recompute: false,
                                        steps: options.steps)
            request.memoryBudget = budget
            budgeted.add(runWorkerProcess(request))
        }
    }
    guard !(ours[false]?.isEmpty ?? true) else { throw BenchError("the training worker failed") }
    let peerFastest = peer.values.map { $0.median("step_s_median") }.filter(\.isFinite).min() ?? .nan
    var printer = ReportPrinter(json: json)
    let name = "train_step_\(options.preset)_\(options.dtype)"
    for recompute in [false, true] {
        guard let samples = ours[recompute], !samples.isEmpty else { continue }
        let seconds = samples.median("step_s_median")
        printer.add(BenchmarkRow(fields: [
            ("name", name), ("implementation", recompute ? "rgflow (recompute)" : "rgflow (keep activations)"),
            ("threads", Parallelism.threadCount), ("step_ms", seconds * 1e3), ("images_per_s", 64 / seconds),
            ("peak_rss_mib", samples.maximum("peak_rss_mib")), ("activation_peak_mib", samples.maximum("activation_peak_mib")),
            ("same_mode_ratio", (peer[recompute]?.median("step_s_median") ?? .nan) / seconds),
            ("peer_ratio", peerFastest / seconds),
        ]))
    }
    if let budget = options.memoryBudget, !budgeted.isEmpty {
        let seconds = budgeted.median("step_s_median")
        let kept = Int(budgeted.median("kept_layers")), layers = Int(budgeted.median("layers"))
        printer.add(BenchmarkRow(fields: [
            ("name", name), ("implementation", "rgflow (budget \(budget >> 20) MiB: \(kept) of \(layers) layers keep)"),
            ("threads", Parallelism.threadCount), ("step_ms", seconds * 1e3), ("images_per_s", 64 / seconds),
            ("peak_rss_mib", budgeted.maximum("peak_rss_mib")), ("activation_peak_mib", budgeted.maximum("activation_peak_mib")),
            ("same_mode_ratio", (peer[true]?.median("step_s_median") ?? .nan) / seconds), ("peer_ratio", peerFastest / seconds),
        ]))
    }
    for recompute in peerModes {
        guard let samples = peer[recompute], !samples.isEmpty else { continue }
        let seconds = samples.median("step_s_median")
        printer.add(BenchmarkRow(fields: [
            ("name", name), ("implementation", recompute ? "pytorch (recompute)" : "pytorch (keep activations)"),
            ("threads", samples.threads), ("step_ms", seconds * 1e3), ("images_per_s", 64 / seconds),
            ("peak_rss_mib", samples.maximum("peak_rss_mib")),
        ]))
    }
    printer.printTable(columns: ["name", "implementation", "threads", "step_ms", "images_per_s", "peak_rss_mib",
                                 "activation_peak_mib", "same_mode_ratio", "peer_ratio"])
    if !json {
        print("""

            same_mode_ratio = PyTorch's step time in the same mode / ours; peer_ratio = PyTorch's faster mode / ours
            (above 1: we are faster). Peak RSS is each process's own VmHWM (ours) or ru_maxrss (PyTorch's), the
            largest over rounds; the launcher that started them peaked at \(format(residentMemoryMiB().peak)) MiB.
            activation_peak_mib = our peak minus the resident size between steps (weights, gradients, AdamW
            moments, code), with the buffer pool emptied.
            """)
    }
    if arguments.contains("--breakdown") { try printBreakdown(options, json: json) }
}

/// Where our step's time goes, per kernel category, in each mode (one more worker each).
private func printBreakdown(_ options: SuiteOptions, json: Bool) throws {
    var printer = ReportPrinter(json: json)
    for recompute in [false, true] {
        guard let result = runWorkerProcess(WorkerRequest(task: "train", preset: options.preset, float64: options.float64,
                                                          recompute: recompute, steps: options.steps, breakdown: true)),
              let total = result["breakdown total"] as? Double else { throw BenchError("the breakdown worker failed") }
        let keys = result.keys.filter { $0.hasPrefix("breakdown ") && $0 != "breakdown total" }
            .sorted { (result[$0] as? Double ?? 0) > (result[$1] as? Double ?? 0) }
        for key in keys {
            let seconds = result[key] as? Double ?? .nan
            printer.add(BenchmarkRow(fields: [
                ("mode", recompute ? "recompute" : "keep activations"), ("category", String(key.dropFirst("breakdown ".count))),
                ("ms_per_step", seconds * 1e3), ("share_percent", 100 * seconds / total),
            ]))
        }
        printer.add(BenchmarkRow(fields: [("mode", recompute ? "recompute" : "keep activations"), ("category", "step"),
                                          ("ms_per_step", total * 1e3), ("share_percent", 100.0)]))
    }
    if !json { print("\nwhere our step's time goes (\(options.steps) timed steps, wall time of each kernel call):\n") }
    printer.printTable(columns: ["mode", "category", "ms_per_step", "share_percent"])
}

func runInferenceBenchmark(json: Bool, quick: Bool, arguments: [String]) throws {
    let options = try SuiteOptions(arguments: arguments, quick: quick)
    if !json { options.printHeader("inference") }
    var ours = Samples(), peer = Samples()
    for _ in 0..<options.rounds {
        ours.add(runWorkerProcess(WorkerRequest(task: "inference", preset: options.preset, float64: options.float64,
                                                recompute: false, steps: options.steps)))
        peer.add(runPeerInference(preset: options.preset, float64: options.float64, steps: options.steps))
    }
    guard !ours.isEmpty else { throw BenchError("the inference worker failed") }
    var printer = ReportPrinter(json: json)
    for (task, key) in [("encode", "encode_s_median"), ("sample", "sample_s_median")] {
        let seconds = ours.median(key), peerSeconds = peer.median(key)
        printer.add(BenchmarkRow(fields: [
            ("name", "\(task)_\(options.preset)_\(options.dtype)"), ("implementation", "rgflow"),
            ("threads", Parallelism.threadCount), ("batch_ms", seconds * 1e3), ("images_per_s", 64 / seconds),
            ("peak_rss_mib", ours.maximum("peak_rss_mib")), ("peer_ratio", peerSeconds / seconds),
        ]))
        if !peer.isEmpty {
            printer.add(BenchmarkRow(fields: [
                ("name", "\(task)_\(options.preset)_\(options.dtype)"), ("implementation", "pytorch (no_grad)"),
                ("threads", peer.threads), ("batch_ms", peerSeconds * 1e3), ("images_per_s", 64 / peerSeconds),
                ("peak_rss_mib", peer.maximum("peak_rss_mib")),
            ]))
        }
    }
    printer.printTable(columns: ["name", "implementation", "threads", "batch_ms", "images_per_s", "peak_rss_mib", "peer_ratio"])
    if !json {
        print("""

            encode: pixels -> latents (logit transform, the flow's forward); sample: Laplace latents at T = 1 -> pixels
            (the inverse flow, the inverse logit); batch 64, no gradients recorded. peer_ratio = PyTorch's time / ours.
            The peer's inverse is Scripts/peer_inference.py's (the peer has none); each row is its own process.
            """)
    }
}

private func format(_ value: Double) -> String { String(format: "%.0f", value) }
