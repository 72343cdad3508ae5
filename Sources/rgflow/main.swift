// rgflow: train, sample, evaluate and generate data from the command line. The subcommands
// are thin: they parse the reference's flags and call the library.

import Foundation

let usage = """
    usage: rgflow <command> [flags]     (rgflow <command> --help for its flags)

    commands:
      train            train RG-Flow (default: msds1 in memory, a few minutes on a laptop CPU)
      sample           draw samples at a temperature from a checkpoint into a PNG grid
      mix-temperature  mixed-temperature samples (paper appendix B) into a 4x4 grid
      evaluate         bits/dim of a checkpoint on the test split
      explore          hierarchy analyses: receptive-fields, mix, traverse, inpaint, correlations, cones
      generate-msds    write the msds1/msds2 dataset as PNG folders with labels
    """

func fail(_ command: String, _ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("rgflow\(command.isEmpty ? "" : " " + command): \(message)\n".utf8))
    exit(status)
}

let arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.first ?? ""
let rest = Array(arguments.dropFirst())
do {
    switch command {
    case "train": try TrainCommand.run(rest)
    case "sample": try SampleCommand.run(rest)
    case "mix-temperature": try MixTemperatureCommand.run(rest)
    case "evaluate": try EvaluateCommand.run(rest)
    case "explore": try ExploreCommand.run(rest)
    case "generate-msds": try GenerateMSDSCommand.run(rest)
    case "", "-h", "--help", "help": print(usage)
    default: fail("", "unknown command '\(command)'\n\(usage)", status: 2)
    }
} catch let error as UsageError {
    fail(command, error.description, status: 2)
} catch {
    fail(command, describe(error), status: 1)
}
