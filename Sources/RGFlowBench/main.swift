// rgflow-bench: benchmark suites in release mode, each printing a table (or JSON lines).
//
//     swift run -c release --traits NativeCPU rgflow-bench tensor [--json] [--quick]

import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let json = arguments.contains("--json")
let quick = arguments.contains("--quick")
let usage = """
    usage: rgflow-bench <suite> [--json] [--quick]
    suites:
      tensor    GEMM GFLOP/s at the model's shapes, exp/sigmoid/Swish GB/s, each against numpy
      autograd  a residual block's forward+backward through the tape vs direct kernels; memory
      loader    images/s of the batch loader on CelebA-like JPEG and MSDS PNG folders
      train     full training steps of the peer's cpu-small preset (--paper: the paper's) vs PyTorch,
                both modes each, every row in its own process (--float64, --rounds N)
      inference encode and sample at batch 64 vs PyTorch under no_grad (--paper, --float64, --rounds N)
    """

switch arguments.first {
case "tensor":
    runTensorBenchmark(json: json, quick: quick)
case "autograd":
    runAutogradBenchmark(json: json, quick: quick)
case "loader":
    do { try runLoaderBenchmark(arguments: Array(arguments.dropFirst())) } catch {
        FileHandle.standardError.write(Data("rgflow-bench loader: \(error)\n".utf8))
        exit(1)
    }
case "train":
    do { try runTrainingBenchmark(json: json, quick: quick, arguments: arguments) } catch {
        FileHandle.standardError.write(Data("rgflow-bench train: \(error)\n".utf8))
        exit(1)
    }
case "inference":
    do { try runInferenceBenchmark(json: json, quick: quick, arguments: arguments) } catch {
        FileHandle.standardError.write(Data("rgflow-bench inference: \(error)\n".utf8))
        exit(1)
    }
case "worker":
    // One row's measurement in a fresh process, started by the train and inference suites.
    do { try runWorker(Array(arguments.dropFirst())) } catch {
        FileHandle.standardError.write(Data("rgflow-bench worker: \(error)\n".utf8))
        exit(1)
    }
case "-h", "--help", nil:
    print(usage)
default:
    FileHandle.standardError.write(Data("rgflow-bench: unknown suite '\(arguments[0])'\n\(usage)\n".utf8))
    exit(2)
}

