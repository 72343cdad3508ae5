// Every flag of every command fed extreme and random values: the built binary must always end
// cleanly (status 0, or 1 or 2 with one line on stderr), never trap, crash or hang.

import Foundation
import Tensor
import Testing
@testable import rgflow

/// The outcome of one run of the binary, with a time limit.
struct ToolRun {
    var status: Int32
    var signalled: Bool
    var timedOut: Bool
    var error: String
}

/// Runs the built `rgflow` with `arguments` in `directory`, killing it after `limit` seconds.
func runToolBounded(_ arguments: [String], in directory: URL, limit: Double) throws -> ToolRun? {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [bundle.appendingPathComponent("rgflow"), bundle.deletingLastPathComponent().appendingPathComponent("rgflow")]
    guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else { return nil }
    let process = Process()
    process.executableURL = tool
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let errorPipe = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errorPipe
    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    try process.run()
    let errorData = errorPipe.fileHandleForReading.readDataToEndOfFile()
    var timedOut = false
    if finished.wait(timeout: .now() + limit) == .timedOut {
        timedOut = true
        process.terminate()
        finished.wait()
    }
    return ToolRun(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                   timedOut: timedOut, error: String(decoding: errorData, as: UTF8.self))
}

@Suite("Flag values the tool must survive", .serialized)
struct FlagPropertyTests {
    /// Values every flag gets: huge, negative, zero, NaN, empty, non-ASCII, lists, text.
    static let extremes = ["9223372036854775807", "-9223372036854775808", "99999999999999999999", "-1", "0", "nan", "inf",
                           "", "ü✓漢", "1e308", "-0.5", "1,2,3,4,5,6,7,8,9", ",,", "a=b=c", "--"]

    /// Random values: integers and reals of every magnitude, and short random strings.
    static func randomValues(count: Int, seed: UInt64) -> [String] {
        var generator = TensorRandomGenerator(seed: seed)
        let alphabet = Array("0123456789-+.,=eE:x ü/")
        return (0..<count).map { index in
            switch index % 3 {
            case 0: return String(Int64(bitPattern: generator.next()) >> (generator.next() % 63))
            case 1: return String(Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF) * (generator.next() % 2 == 0 ? 1 : -1))
            default: return String((0..<Int(generator.next() % 8)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            }
        }
    }

    /// Commands, the flags each declares, and base arguments that keep a valid run small. The
    /// flags shared by the checkpoint commands are fed to `sample` only: they are parsed by one
    /// piece of code.
    static func commands(checkpointFlags: [String]) -> [(command: [String], specifications: [FlagSpecification], base: [String])] {
        let small = ["--nlayers", "1", "--nresblocks", "1", "--nhidden", "8"]
        return [
            (["train"], TrainCommand.specifications,
             small + ["--train_size", "64", "--batch_size", "32", "--epoch", "1", "--plot_epoch", "0", "-o", "runs-fuzz"]),
            (["sample"], SampleCommand.specifications, checkpointFlags + ["--count", "4"]),
            (["mix-temperature"], MixTemperatureCommand.specifications, checkpointFlags),
            (["evaluate"], EvaluateCommand.specifications, checkpointFlags + ["--test_size", "64"]),
            (["generate-msds"], GenerateMSDSCommand.specifications, ["--train_count", "4", "--test_count", "4", "--data_path", "msds-fuzz"]),
            (["explore", "receptive-fields"], ExploreReceptiveFields.specifications, checkpointFlags + ["--count", "1"]),
            (["explore", "mix"], ExploreMixing.specifications, checkpointFlags),
            (["explore", "traverse"], ExploreTraversal.specifications, checkpointFlags + ["--steps", "3"]),
            (["explore", "inpaint"], ExploreInpainting.specifications, checkpointFlags + ["--indices", "0", "--steps", "3"]),
            (["explore", "correlations"], ExploreCorrelations.specifications, checkpointFlags + ["--count", "16"]),
            (["explore", "cones"], ExploreCones.specifications, small + ["--sides", "8,16"]),
        ]
    }

    @Test("every flag of every command, with extreme and random values, ends cleanly",
          .enabled(if: (try? runTool(["--help"])) != nil, "the rgflow binary is not built beside the tests"))
    func everyFlagEndsCleanly() throws {
        let (folder, flags) = try #require(try ExploreToolTests.trainedRun())
        defer { try? FileManager.default.removeItem(at: folder) }
        var cases = 0, failures: [String] = []
        var seed: UInt64 = 1
        let shared = Set(CheckpointFlags.specifications.map { $0.names[0] })
        for (command, specifications, base) in Self.commands(checkpointFlags: flags + ["--output_dir", "explore-fuzz"]) {
            let checkpointCommand = specifications.contains { $0.names[0] == "checkpoint" }
            for specification in specifications where specification.names[0] != "help" {
                if checkpointCommand && command != ["sample"] && shared.contains(specification.names[0]) { continue }
                let name = "--" + specification.names[0]
                let values = specification.takesValue ? Self.extremes + Self.randomValues(count: 3, seed: seed) : ["", "=1"]
                seed += 1
                for value in values {
                    let arguments = command + base + (specification.takesValue ? [name, value] : [name + value])
                    let run = try #require(try runToolBounded(arguments, in: folder, limit: 120))
                    cases += 1
                    let lines = run.error.split(separator: "\n", omittingEmptySubsequences: true)
                    let clean = !run.signalled && !run.timedOut && [0, 1, 2].contains(run.status)
                        && (run.status == 0 || (lines.count == 1 && lines[0].hasPrefix("rgflow")))
                    if !clean {
                        failures.append("\(arguments.joined(separator: " ")) -> status \(run.status)\(run.signalled ? " (signal)" : "")"
                                        + "\(run.timedOut ? " (timed out)" : ""): \(run.error.prefix(300))")
                    }
                }
            }
        }
        print("flag property test: \(cases) runs, \(failures.count) unclean")
        #expect(cases > 1000)
        let shown = failures.prefix(20).joined(separator: "\n")
        #expect(failures.isEmpty, "\(failures.count) of \(cases) runs did not end cleanly:\n\(shown)")
    }
}
