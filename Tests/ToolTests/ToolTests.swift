// The command-line tool: flag parsing, and the built binary's exit status and one-line
// messages for mistakes.

import Foundation
import Testing
@testable import rgflow

/// Runs the built `rgflow` beside the test bundle, or nil when it is not there.
func runTool(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, output: String, error: String)? {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [bundle.appendingPathComponent("rgflow"), bundle.deletingLastPathComponent().appendingPathComponent("rgflow")]
    guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else { return nil }
    let process = Process()
    process.executableURL = tool
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
}

@Suite("rgflow tool")
struct ToolTests {
    @Test("flags: values, switches, defaults and --name=value")
    func parsing() throws {
        let flags = try ParsedFlags(["--nlayers", "8,6,4,2", "--no_stdout", "--lr=0.01", "-o", "out"],
                                    specifications: TrainCommand.specifications)
        #expect(flags.string("nlayers") == "8,6,4,2")
        #expect(flags.isSet("no_stdout"))
        #expect(try flags.real("lr") == 0.01)
        #expect(flags.string("out_dir") == "out")
        #expect(flags.string("batch_size") == "64")
    }

    @Test("mistakes give one clear line", arguments: [
        (["--bogus"], "unknown flag '--bogus'"),
        (["--epoch"], "--epoch needs a value"),
        (["--epoch", "two"], "--epoch 'two' is not an integer"),
        // Other suites may register priors of their own, so only the start is fixed.
        (["--prior", "cauchy"], "unknown prior 'cauchy': registered priors are gaussian, laplace, level_laplace"),
        (["--prior", "studentt", "--prior_options", "mu=3"], "prior studentt has no option mu: its options are nu, scale"),
        (["--prior", "studentt", "--prior_options", "nu=-1"], "prior studentt: nu must be positive, got -1.0"),
        (["--prior_options", "nu"], "--prior_options \"nu\": \"nu\" is not key=value"),
        (["--subnet", "glow"], "unknown subnet 'glow': registered couplings are additive, ar, rnvp"),
        (["--no_stdout=1"], "--no_stdout takes no value"),
    ])
    func mistakes(arguments: [String], message: String) throws {
        do {
            let flags = try ParsedFlags(arguments, specifications: TrainCommand.specifications)
            _ = try flags.integer("epoch")
            _ = try SharedFlags.configuration(flags)
            Issue.record("accepted \(arguments)")
        } catch let error as UsageError {
            #expect(error.description.contains(message), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("the binary exits non-zero with one line on stderr for bad input",
          .enabled(if: (try? runTool(["--help"])) != nil, "the rgflow binary is not built beside the tests"))
    func binary() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rgflow-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for arguments in [["train", "--bogus"], ["train", "--nlayers", "1,2,3"], ["sample", "--checkpoint", "/nonexistent/1.safetensors"],
                          ["evaluate"], ["frobnicate"]] {
            let result = try #require(try runTool(arguments, in: folder))
            #expect(result.status != 0, "\(arguments) exited 0")
            let lines = result.error.split(separator: "\n")
            #expect(!lines.isEmpty && lines[0].hasPrefix("rgflow"), "\(arguments): \(result.error)")
        }
        let help = try #require(try runTool(["train", "--help"], in: folder))
        #expect(help.status == 0)
        #expect(help.output.contains("--nlayers"))
        // The help lists every registered prior and coupling with its options and defaults.
        for name in ["gaussian", "laplace", "level_laplace", "studentt", "rnvp", "ar", "additive", "nu=5", "initial_scale="] {
            #expect(help.output.contains(name), "train --help does not mention \(name)")
        }
    }
}
