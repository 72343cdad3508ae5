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
        #expect(flags.string("batch_size") == "32")
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
        for arguments in [["train", "--bogus"], ["train", "--nlayers", "1,2"], ["sample", "--checkpoint", "/nonexistent/1.safetensors"],
                          ["evaluate"], ["frobnicate"]] {
            let result = try #require(try runTool(arguments, in: folder))
            #expect(result.status != 0, "\(arguments) exited 0")
            let lines = result.error.split(separator: "\n")
            #expect(!lines.isEmpty && lines[0].hasPrefix("rgflow"), "\(arguments): \(result.error)")
        }
        // -o naming a regular file (or a path through one): the flag, the file and what was expected.
        try Data("x".utf8).write(to: folder.appendingPathComponent("plain"))
        for output in ["plain", "plain/runs"] {
            let result = try #require(try runTool(["train", "-o", output, "--train_size", "64", "--epoch", "1"], in: folder))
            #expect(result.status == 2)
            #expect(result.error.split(separator: "\n").count == 1 && result.error.contains("-o/--out_dir \(output): ")
                    && result.error.contains("plain is a file, expected a folder"), "\(result.error)")
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

@Suite("rgflow explore", .serialized)
struct ExploreToolTests {
    /// A tiny run trained by the binary (seconds): its folder and the flags that name it.
    static func trainedRun() throws -> (folder: URL, flags: [String])? {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rgflow-explore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let flags = ["--kernel_size", "4", "--nlayers", "1", "--nresblocks", "1", "--nhidden", "8", "-o", folder.appendingPathComponent("runs").path]
        guard let result = try runTool(["train", "--train_size", "64", "--batch_size", "32", "--epoch", "1", "--plot_epoch", "0",
                                        "--no_stdout"] + flags, in: folder) else { return nil }
        #expect(result.status == 0, "\(result.error)")
        return (folder, flags)
    }

    @Test("each analysis writes its figure and numbers; bad levels, holes, latents and mismatched flags get one line",
          .enabled(if: (try? runTool(["--help"])) != nil, "the rgflow binary is not built beside the tests"))
    func analyses() throws {
        let (folder, flags) = try #require(try Self.trainedRun())
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = ["--output_dir", folder.appendingPathComponent("explore").path]
        for (analysis, extra, files) in [("mix", ["--rows", "0,1", "--columns", "2"], ["mix_grid.png", "mix_strip.png", "mix.json"]),
                                         ("traverse", ["--steps", "3"], ["traverse.png", "traverse.json"]),
                                         ("inpaint", ["--indices", "0", "--steps", "2"], ["inpaint.png", "inpaint.json"]),
                                         ("correlations", ["--count", "20"], ["correlations.png", "correlations.json"])] {
            let result = try #require(try runTool(["explore", analysis] + flags + output + extra, in: folder))
            #expect(result.status == 0, "\(analysis): \(result.error)")
            for file in files {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("explore/\(file)").path), "\(analysis): no \(file)")
            }
        }
        // The spectrum: sorted, bounded by the trace (n), and the noise edge for n latents over 20 images.
        struct Spectrum: Decodable { var latents: Int; var largestEigenvalues: [Double]; var noiseEdge: Double; var factorChannelShares: [[Double]] }
        let spectrum = try JSONDecoder().decode(Spectrum.self, from: Data(contentsOf: folder.appendingPathComponent("explore/correlations.json")))
        #expect(spectrum.largestEigenvalues.count == 5 && zip(spectrum.largestEigenvalues, spectrum.largestEigenvalues.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(spectrum.largestEigenvalues.reduce(0, +) <= Double(spectrum.latents) + 1e-9)
        #expect(abs(spectrum.noiseEdge - pow(1 + (Double(spectrum.latents) / 20).squareRoot(), 2)) < 1e-9)
        #expect(spectrum.factorChannelShares.allSatisfy { $0.count == 3 && abs($0.reduce(0, +) - 1) < 1e-9 })
        // The same seed gives the same figure, byte for byte.
        let traverse = folder.appendingPathComponent("explore/traverse.png")
        let first = try Data(contentsOf: traverse)
        _ = try runTool(["explore", "traverse", "--steps", "3"] + flags + output, in: folder)
        #expect(try Data(contentsOf: traverse) == first)
        for (arguments, message) in [
            (["explore", "mix", "--level", "9"], "--level 9: this network's levels are 0...3"),
            (["explore", "inpaint", "--hole", "30,30,4,4"], "--hole '30,30,4,4' reaches outside the 32 x 32 image"),
            (["explore", "traverse", "--latent", "5,0,0"], "--latent: latent (5, 0, 0) outside the latents [3, 32, 32]"),
            (["explore", "traverse", "--levels", "0,7"], "--levels: level 7 outside this network's levels 0...3"),
            (["explore", "correlations", "--level", "4"], "--level 4: this network's levels are 0...3"),
            (["explore", "mix", "--rows", "99999"], "image index 99999 outside the"),
            (["explore", "bogus"], "unknown analysis 'bogus'"),
        ] {
            let result = try #require(try runTool(arguments + flags + output, in: folder))
            #expect(result.status == 2, "\(arguments) exited \(result.status)")
            #expect(result.error.contains(message) && result.error.split(separator: "\n").count == 1, "\(arguments): \(result.error)")
        }
        // Scored samples at one temperature for every level, and at one per level (finest first).
        let scored = try #require(try runTool(["evaluate", "--test_size", "32", "--batch_size", "32", "--samples", "8", "--temperatures", "1,1:0.5:0.5:0.25"]
                                              + flags, in: folder))
        #expect(scored.status == 0, "\(scored.error)")
        #expect(scored.output.contains("samples at T = 1: msds1 sample score")
                && scored.output.contains("samples at T = 1:0.5:0.5:0.25 (level 0 first): msds1 sample score"), "\(scored.output)")
        for (temperatures, message) in [("1:0.5", "--temperatures: '1:0.5' gives 2 levels a temperature, this network has 4 (finest first)"),
                                        ("1::0.5", "--temperatures: '1::0.5' is not a temperature in (0, 100] or T0:T1:... of them")] {
            let result = try #require(try runTool(["evaluate", "--test_size", "32", "--batch_size", "32", "--samples", "8", "--temperatures", temperatures]
                                                  + flags, in: folder))
            #expect(result.status == 2, "\(temperatures) exited \(result.status)")
            #expect(result.error.contains(message) && result.error.split(separator: "\n").count == 1, "\(temperatures): \(result.error)")
        }
        let checkpoint = try #require(FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String }
            .first { $0.hasSuffix(".safetensors") })
        let mismatch = try #require(try runTool(["explore", "mix", "--checkpoint", folder.appendingPathComponent(checkpoint).path,
                                                 "--nhidden", "16"] + output, in: folder))
        #expect(mismatch.status == 2)
        #expect(mismatch.error.contains("holds network laplace_nl1_nr1_nm1_nh8, the flags name laplace_nl1_nr1_nm1_nh16"), "\(mismatch.error)")
    }

    @Test("explore cones runs with the default per-level lists at every side, cutting or extending them to each L",
          .enabled(if: (try? runTool(["--help"])) != nil, "the rgflow binary is not built beside the tests"))
    func conesWithDefaults() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rgflow-cones-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        // K = 4 (the paper's), whose cones the comment below describes; the lists are the defaults.
        let result = try #require(try runTool(["explore", "cones", "--kernel_size", "4", "--output_dir", folder.path]))
        #expect(result.status == 0, "\(result.error)")
        struct Row: Decodable { var side, touched, latents: Int }
        let rows = try JSONDecoder().decode([Row].self, from: Data(contentsOf: folder.appendingPathComponent("cones.json")))
        #expect(rows.map(\.side) == [8, 16, 32, 64])
        // The hierarchy tests check these supports against the Jacobian; here the tool must show
        // their shape: at L = 8 (K = 4) a 2x2 hole reaches every latent, beyond it a fixed number
        // more per doubling of L, far below C L^2.
        guard rows.count == 4 else { return }
        #expect(rows[0].touched == rows[0].latents)
        #expect(rows[2].touched - rows[1].touched == rows[3].touched - rows[2].touched)
        #expect(rows[3].touched * 10 < rows[3].latents)
    }
}
