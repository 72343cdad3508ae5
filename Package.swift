// swift-tools-version: 6.2
// RGFlow: a pure-Swift RG-Flow (arXiv:2010.00029) on the CPU, with no package dependencies.
//
// Tools version 6.2 matters: from 6.2 on, SwiftPM accepts unsafe flags in a versioned
// dependency, so the opt-in `NativeCPU` trait also works for downstream packages.

import Foundation
import PackageDescription

// MARK: - CPU vector features

/// Swift has no per-function target attribute, so the vector width is a per-module build
/// choice. With the `NativeCPU` trait the package compiles for the build machine
/// (`-march=native`) and the kernels pick the register tile for what that machine has;
/// the manifest runs on the build machine, so it can read that machine's features.
func hostHasCPUFlags(_ flags: [String]) -> Bool {
    #if os(Linux) && arch(x86_64)
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return false }
    let present = Set(line.split(separator: " ").map(String.init))
    return flags.allSatisfy(present.contains)
    #else
    return false
    #endif
}

var vectorSettings: [SwiftSetting] = [
    .unsafeFlags(["-Xcc", "-march=native"], .when(traits: ["NativeCPU"])),
]
if hostHasCPUFlags(["avx512f", "avx512dq", "avx512bw", "avx512vl"]) {
    vectorSettings.append(.define("RGFLOW_AVX512", .when(traits: ["NativeCPU"])))
} else if hostHasCPUFlags(["avx2", "fma"]) {
    vectorSettings.append(.define("RGFLOW_AVX2", .when(traits: ["NativeCPU"])))
}

// MARK: - Package

let package = Package(
    name: "RGFlow",
    products: [
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Autograd", targets: ["Autograd"]),
        .library(name: "RGFlow", targets: ["RGFlow"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .executable(name: "rgflow", targets: ["rgflow"]),
        .executable(name: "rgflow-bench", targets: ["RGFlowBench"]),
    ],
    traits: [
        .trait(
            name: "NativeCPU",
            description: "Compile for the build machine's vector unit (-march=native): AVX-512 or AVX2 GEMM tiles and FMA. Off by default so the package builds portable code."
        ),
        .default(enabledTraits: []),
    ],
    targets: [
        // MARK: Public API
        .target(name: "Tensor", swiftSettings: vectorSettings),
        .target(name: "Autograd", dependencies: ["Tensor"], swiftSettings: vectorSettings),
        .target(name: "RGFlow", dependencies: ["Tensor", "Autograd"], swiftSettings: vectorSettings),
        .target(name: "Datasets", dependencies: ["Tensor"], swiftSettings: vectorSettings),

        // MARK: Executables
        .executableTarget(
            name: "rgflow",
            dependencies: ["Tensor", "Autograd", "RGFlow", "Datasets"],
            swiftSettings: vectorSettings
        ),
        .executableTarget(
            name: "RGFlowBench",
            dependencies: ["Tensor", "Autograd", "RGFlow", "Datasets"],
            swiftSettings: vectorSettings
        ),

        // MARK: Unit test bundles
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "GradCheck", dependencies: ["Tensor", "Autograd"]),
        .testTarget(name: "RGFlowTests", dependencies: ["Tensor", "Autograd", "RGFlow"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Tensor", "Datasets"], exclude: ["Scripts", "Fixtures"]),
        .testTarget(name: "ToolTests", dependencies: ["rgflow"]),
    ]
)
