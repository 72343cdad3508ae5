// Benchmark rows measured in child processes: a worker of this binary or a PyTorch peer, each
// started by the launcher, which itself computes nothing. On Linux a child's peak-RSS mark
// begins at its parent's (the exec keeps the forked image's high-water mark), so a launcher
// that has trained a network would lend the child its own peak; this one stays small, and
// the suites print its peak beside the rows.

import Foundation
import Tensor

/// This binary, for starting workers.
private var benchmarkExecutable: URL {
    Bundle.main.executableURL ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
}

/// The package root (this file is Sources/RGFlowBench/ChildProcess.swift).
private var packageRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// The peer script: `RGFLOW_PEER_SCRIPT`, else `../shared/peer/torch_rgflow.py` beside the package.
var peerScript: String? {
    if let path = ProcessInfo.processInfo.environment["RGFLOW_PEER_SCRIPT"] { return path }
    let path = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/peer/torch_rgflow.py").path
    return FileManager.default.fileExists(atPath: path) ? path : nil
}

/// The Python with torch: `RGFLOW_PEER_PYTHON`, else ~/.peer/bin/python (the peer README's venv).
var peerPython: String? {
    if let path = ProcessInfo.processInfo.environment["RGFLOW_PEER_PYTHON"] { return path }
    let path = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".peer/bin/python").path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}

/// Whether the PyTorch peer can run; the suites say so when it cannot.
var peerAvailable: Bool { peerScript != nil && peerPython != nil }

/// Runs a worker of this binary and returns its JSON line's fields (nil when it failed).
func runWorkerProcess(_ request: WorkerRequest) -> [String: Any]? {
    runJSONProcess(benchmarkExecutable, request.arguments)
}

/// Runs the peer's training bench (`torch_rgflow.py bench`).
func runPeerTraining(preset: String, float64: Bool, recompute: Bool, steps: Int) -> [String: Any]? {
    guard let script = peerScript, let python = peerPython else { return nil }
    return runJSONProcess(URL(fileURLWithPath: python),
                          [script, "bench", "--preset", preset, "--steps", "\(steps)", "--dtype", float64 ? "float64" : "float32"]
                              + (recompute ? [] : ["--no_checkpoint"]))
}

/// Runs our script timing the peer's encode and sample under `torch.no_grad()`.
func runPeerInference(preset: String, float64: Bool, steps: Int) -> [String: Any]? {
    guard let script = peerScript, let python = peerPython else { return nil }
    let timer = packageRoot.appendingPathComponent("Scripts/peer_inference.py").path
    return runJSONProcess(URL(fileURLWithPath: python),
                          [timer, "--peer", script, "--preset", preset, "--steps", "\(steps)", "--dtype", float64 ? "float64" : "float32"])
}

/// Starts `executable` with the launcher's thread count for every library (OpenBLAS free of the
/// machine's AVX2 pinning, PERFORMANCE.md) and parses the last line it prints as JSON.
private func runJSONProcess(_ executable: URL, _ arguments: [String]) -> [String: Any]? {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_CORETYPE"] = nil
    environment["OPENBLAS_L2_SIZE"] = nil
    for key in ["RGFLOW_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"] {
        environment[key] = "\(Parallelism.threadCount)"
    }
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let line = String(data: data, encoding: .utf8)?.split(separator: "\n").last else { return nil }
    return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
}
