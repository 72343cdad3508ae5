// The `train` suite: full training steps (dequantise, logit, log-density, backward, clip,
// AdamW) of the peer's presets, against the PyTorch peer run from the same binary.

import Autograd
import Foundation
import RGFlow
import Tensor

/// The peer's presets (../shared/peer/README.md).
private let presets: [String: (layers: String, residualBlocks: String, hiddenLayers: String, hidden: String)] = [
    "cpu-small": ("2,2,1,1", "2", "1", "128"),
    "paper": ("8,6,4,2", "4", "2", "512"),
]

/// The peer script: `RGFLOW_PEER_SCRIPT`, else `../shared/peer/torch_rgflow.py` beside the package.
private var peerScript: String? {
    if let path = ProcessInfo.processInfo.environment["RGFLOW_PEER_SCRIPT"] { return path }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let path = root.deletingLastPathComponent().appendingPathComponent("shared/peer/torch_rgflow.py").path
    return FileManager.default.fileExists(atPath: path) ? path : nil
}

/// The Python with torch: `RGFLOW_PEER_PYTHON`, else ~/.peer/bin/python (the peer README's venv).
private var peerPython: String? {
    if let path = ProcessInfo.processInfo.environment["RGFLOW_PEER_PYTHON"] { return path }
    let path = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".peer/bin/python").path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}

/// Runs the peer's bench once and returns its JSON line's fields.
private func runPeer(preset: String, steps: Int, recompute: Bool) -> [String: Any]? {
    guard let script = peerScript, let python = peerPython else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [script, "bench", "--preset", preset, "--steps", "\(steps)"] + (recompute ? [] : ["--no_checkpoint"])
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_CORETYPE"] = nil
    environment["OPENBLAS_L2_SIZE"] = nil
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let line = String(data: data, encoding: .utf8)?.split(separator: "\n").last else { return nil }
    return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
}

/// Median seconds of our training step for a preset, and the process's peak RSS after it.
private func ourStep(preset: String, steps: Int, recompute: Bool) throws -> (seconds: Double, peakMiB: Double) {
    let settings = presets[preset]!
    let configuration = try FlowConfiguration(channels: 3, sideLength: 32, kernelSize: 4, prior: "laplace",
                                              layers: settings.layers, residualBlocks: settings.residualBlocks,
                                              hiddenLayers: settings.hiddenLayers, hiddenWidths: settings.hidden)
    let model = RGFlowModel<Float>(configuration: configuration, seed: 0)
    model.network.recomputesActivations = recompute
    let optimizer = AdamW(parameters: model.parameters, learningRate: 1e-3, weightDecay: 5e-2)
    var generator = TensorRandomGenerator(seed: 0)
    let pixels = Tensor<Float>.uniform([64, 3, 32, 32], using: &generator)
    var times: [Double] = []
    for step in 0..<(steps + 1) {
        let start = DispatchTime.now().uptimeNanoseconds
        optimizer.parameters.forEach { $0.zeroGradient() }
        let loss = model.loss(pixels: pixels, dequantizingWith: &generator)
        loss.mean.backward()
        clipGradientNorm(optimizer.parameters, maxNorm: 1)
        optimizer.update()
        if step > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
    }
    return (times.sorted()[times.count / 2], residentMemoryMiB().peak)
}

func runTrainingBenchmark(json: Bool, quick: Bool, arguments: [String]) throws {
    let preset = arguments.contains("--paper") ? "paper" : "cpu-small"
    let steps = quick ? 3 : (preset == "paper" ? 3 : 7)
    var printer = ReportPrinter(json: json)
    if !json {
        print("rgflow-bench train: preset \(preset), batch 64, float32, build \(buildDescription), \(Parallelism.threadCount) threads")
        if peerPython == nil || peerScript == nil {
            print("(no PyTorch peer: set RGFLOW_PEER_PYTHON to a python with torch, see ../shared/peer/README.md)")
        }
        print("")
    }
    // Ours and the peer's two modes, back to back; the ratio is against the faster peer mode.
    let ours = try ourStep(preset: preset, steps: steps, recompute: false)
    // Give the memory back before the peer runs: at the paper's size our cached activations
    // and PyTorch's together exceed this machine's 24 GiB.
    BufferPool.releaseCachedBuffers()
    // PyTorch keeping the paper network's activations needs more than 24 GiB (it was
    // OOM-killed here), so at that size only its recomputing mode runs.
    let peerKeep = preset == "paper" ? nil : runPeer(preset: preset, steps: steps, recompute: false)
    let peerRecompute = runPeer(preset: preset, steps: steps, recompute: true)
    let peerTimes = [peerKeep, peerRecompute].compactMap { $0?["step_s_median"] as? Double }
    let peerBest = peerTimes.min() ?? .nan
    printer.add(BenchmarkRow(fields: [
        ("name", "train_step_\(preset)"), ("implementation", "rgflow"), ("threads", Parallelism.threadCount),
        ("step_ms", ours.seconds * 1e3), ("images_per_s", 64 / ours.seconds), ("peak_rss_mib", ours.peakMiB),
        ("peer_ratio", peerBest / ours.seconds),
    ]))
    for (mode, result) in [("keep activations", peerKeep), ("recompute", peerRecompute)] {
        guard let result, let seconds = result["step_s_median"] as? Double else { continue }
        printer.add(BenchmarkRow(fields: [
            ("name", "train_step_\(preset)"), ("implementation", "pytorch (\(mode))"),
            ("threads", result["threads"] as? Int ?? 0), ("step_ms", seconds * 1e3), ("images_per_s", 64 / seconds),
            ("peak_rss_mib", result["peak_rss_mib"] as? Double ?? .nan),
        ]))
    }
    printer.printTable(columns: ["name", "implementation", "threads", "step_ms", "images_per_s", "peak_rss_mib", "peer_ratio"])
    if !json { print("\npeer_ratio = the faster PyTorch mode's step time / ours (above 1: we are faster)") }
}
