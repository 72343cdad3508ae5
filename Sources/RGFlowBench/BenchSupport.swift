// Timing, tables and JSON lines shared by the benchmark suites, and the numpy peer runner.

import Dispatch
import Foundation

/// Median wall time in seconds of `repetitions` runs of `body` after one warm-up run.
func medianSeconds(repetitions: Int, _ body: () -> Void) -> Double {
    body()
    var times: [Double] = []
    for _ in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    times.sort()
    return times[times.count / 2]
}

/// Keeps the optimiser from deleting a computation whose result is otherwise unused.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// One printed benchmark row: a name, labelled fields, and the JSON object it becomes.
struct BenchmarkRow {
    var fields: [(String, Any)]

    func json() -> String {
        let parts = fields.map { key, value -> String in
            switch value {
            case let text as String: return "\"\(key)\": \"\(text)\""
            case let number as Double: return "\"\(key)\": \(number.isFinite ? String(format: "%.4g", number) : "null")"
            default: return "\"\(key)\": \(value)"
            }
        }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}

/// Prints rows as an aligned table (or JSON lines with `--json`).
struct ReportPrinter {
    let json: Bool
    var rows: [BenchmarkRow] = []

    mutating func add(_ row: BenchmarkRow) {
        rows.append(row)
        if json { print(row.json()) }
    }

    func printTable(columns: [String]) {
        guard !json, !rows.isEmpty else { return }
        let cells = rows.map { row in
            columns.map { column -> String in
                guard let value = row.fields.first(where: { $0.0 == column })?.1 else { return "" }
                if let number = value as? Double { return number.isFinite ? String(format: "%.3g", number) : "-" }
                return "\(value)"
            }
        }
        let widths = columns.indices.map { index in
            max(columns[index].count, cells.map { $0[index].count }.max() ?? 0)
        }
        func line(_ values: [String]) -> String {
            zip(values, widths).map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        print(line(columns))
        print(line(widths.map { String(repeating: "-", count: $0) }))
        for row in cells { print(line(row)) }
    }
}

/// Runs a Python program with numpy, with OpenBLAS free to use its AVX-512 kernels and
/// `threads` threads, and returns its standard output.
///
/// The environment of this machine pins OpenBLAS to its AVX2 kernels (OPENBLAS_CORETYPE,
/// OPENBLAS_L2_SIZE), which halves it; the peer is timed without them (PERFORMANCE.md).
func runNumpy(_ program: String, threads: Int) -> String? {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rgflow-bench-\(UUID().uuidString).py")
    guard (try? program.write(to: url, atomically: true, encoding: .utf8)) != nil else { return nil }
    defer { try? FileManager.default.removeItem(at: url) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", url.path]
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_CORETYPE"] = nil
    environment["OPENBLAS_L2_SIZE"] = nil
    for key in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"] { environment[key] = "\(threads)" }
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.standardError
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(data: data, encoding: .utf8)
}

/// Parses `key value` lines printed by a numpy program into a dictionary.
func parseTimings(_ output: String?) -> [String: Double] {
    var result: [String: Double] = [:]
    for line in (output ?? "").split(separator: "\n") {
        let parts = line.split(separator: " ")
        if parts.count == 2, let value = Double(parts[1]) { result[String(parts[0])] = value }
    }
    return result
}

/// Which build produced these figures.
var buildDescription: String {
    #if RGFLOW_AVX512
    return "NativeCPU (AVX-512)"
    #elseif RGFLOW_AVX2
    return "NativeCPU (AVX2)"
    #else
    return "portable"
    #endif
}
