// The PNG and deflate encoders checked by independent decoders: Python's zlib plus the chunk
// reader and unfilter in Scripts/check_png.py, Pillow when installed, and RFC hand examples.

import Foundation
import Tensor
import Testing
@testable import Datasets

/// Runs `Scripts/check_png.py` on a manifest of files the tests wrote.
///
/// The interpreter is `python3` from PATH, or `RGFLOW_PYTHON` when set (for instance a
/// virtual environment that has Pillow).
enum PythonCheck {
    struct Case: Encodable {
        var name: String
        var kind: String
        var file: String
        var raw: String? = nil
        var width: Int? = nil
        var height: Int? = nil
        var color: String? = nil
        var pillow: Bool? = nil
        var angle: Double? = nil
    }

    struct Result: Decodable {
        var name: String
        var ok: Bool
        var error: String
        var filters: [Int]?
        var idatChunks: Int?
        var pillow: Bool?
        var pixels: [Int]?
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scripts/check_png.py")
    static let interpreter = ProcessInfo.processInfo.environment["RGFLOW_PYTHON"] ?? "python3"
    static let isAvailable = run(["-c", "import zlib, json, struct"]).status == 0
    static let hasPillow = isAvailable && run(["-c", "import PIL"]).status == 0
    static let missingPython = "python3 (or RGFLOW_PYTHON) is not available to run Scripts/check_png.py"
    static let missingPillow = "Pillow is not installed: python3 -c 'import PIL' fails"

    static func run(_ arguments: [String]) -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [interpreter] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return (-1, Data()) }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, data)
    }

    /// Runs the script over `cases` and returns its results by case name.
    static func check(_ cases: [Case], in folder: URL) throws -> [String: Result] {
        let manifest = folder.appendingPathComponent("manifest.json")
        try JSONEncoder().encode(["cases": cases]).write(to: manifest)
        let (status, output) = run([script.path, manifest.path])
        try #require(status == 0, "check_png.py exited with status \(status)")
        let results = try JSONDecoder().decode([String: [Result]].self, from: output)["results"] ?? []
        try #require(results.count == cases.count)
        return Dictionary(uniqueKeysWithValues: results.map { ($0.name, $0) })
    }

    /// A fresh folder under the system's temporary directory.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("rgflow-png-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// Seeded test content: noise, gradients and flat areas, so every filter type pays off
/// somewhere.
private func testPixels(width: Int, height: Int, channels: Int, pattern: Int, seed: UInt64) -> [UInt8] {
    var generator = TensorRandomGenerator(seed: seed)
    var pixels = [UInt8](repeating: 0, count: width * height * channels)
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels {
                let value: Int
                switch pattern {
                case 0: value = Int(generator.next() & 0xFF)
                case 1: value = 3 * x + 7 * y + 50 * c
                case 2: value = (x / 4 + y / 3) % 2 == 0 ? 200 : 17 + c
                default: value = x * y + c + Int(generator.next() & 3)
                }
                pixels[(y * width + x) * channels + c] = UInt8(truncatingIfNeeded: value)
            }
        }
    }
    return pixels
}

private func colorName(_ type: PNGEncoder.ColorType) -> String {
    switch type {
    case .gray: "gray"
    case .rgb: "rgb"
    case .rgba: "rgba"
    }
}

@Suite("PNG encoder")
struct PNGEncoderTests {
    @Test("the file starts with the signature and IHDR and ends with the fixed IEND chunk")
    func chunkLayout() {
        let image = PNGEncoder.Image(width: 300, height: 2, colorType: .rgba,
                                     pixels: testPixels(width: 300, height: 2, channels: 4, pattern: 1, seed: 1))
        let file = PNGEncoder.encode(image)
        #expect(Array(file[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // Length 13, "IHDR", width 300 = 0x012C, height 2, depth 8, colour type 6, 0, 0, 0.
        #expect(Array(file[8..<29]) == [0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0x01, 0x2C, 0, 0, 0, 2,
                                         8, 6, 0, 0, 0])
        // Every PNG ends with the same 12 bytes: an empty IEND chunk and its CRC AE426082.
        #expect(Array(file.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
    }

    @Test("zlib streams match hand-assembled RFC 1950/1951 bytes")
    func handAssembledStreams() {
        // Empty input, stored: header 78 01, block byte BFINAL = 1, LEN 0, NLEN FFFF, Adler 1.
        #expect(DeflateEncoder.zlib([], mode: .stored) == [0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0, 0, 0, 1])
        // Empty input, fixed Huffman: bits 1 (final), 10 (type 1), 0000000 (end of block).
        #expect(DeflateEncoder.deflate([], mode: .fixedHuffman) == [0x03, 0x00])
        // "a": literal 97 has the 8-bit code 0x30 + 97 = 10010001, then end of block; Adler-32
        // of "a" is (1 + 97) | (1 + 97) << 16 = 0x00620062.
        #expect(DeflateEncoder.zlib([0x61], mode: .fixedHuffman)
                == [0x78, 0x01, 0x4B, 0x04, 0x00, 0x00, 0x62, 0x00, 0x62])
    }

    @Test("stored blocks cost 5 bytes per 65535 and fixed Huffman compresses repetitive data")
    func streamSizes() {
        let ramp = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        // 200 000 bytes need ceil(200000 / 65535) = 4 stored blocks.
        #expect(DeflateEncoder.deflate(ramp, mode: .stored).count == 200_000 + 4 * 5)
        // After the first period every byte continues a match: about 200 000 / 258 matches of
        // under 4 bytes each.
        #expect(DeflateEncoder.deflate(ramp, mode: .fixedHuffman).count < 4_000)
        var generator = TensorRandomGenerator(seed: 9)
        let noise = (0..<10_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        #expect(DeflateEncoder.deflate(noise, mode: .smallest).count == 10_000 + 5)
    }

    @Test("zlib and raw deflate streams inflate with Python's zlib",
          .enabled(if: PythonCheck.isAvailable, "\(PythonCheck.missingPython)"))
    func streamsInflateWithPython() throws {
        var generator = TensorRandomGenerator(seed: 3)
        let noise = (0..<70_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        // Repeats of every match length 3...258 between random bytes.
        var lengths: [UInt8] = []
        for length in 3...258 {
            let start = lengths.count
            lengths += (0..<4).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            lengths += Array(lengths[start..<(start + min(4, length))])
            lengths += (0..<max(0, length - 4)).map { _ in 0x41 }
        }
        // A 40 000-byte random block repeated: back-references up to the 32 768 window limit.
        let farRepeat = Array(noise[0..<40_000]) + Array(noise[0..<40_000])
        let inputs: [(String, [UInt8])] = [
            ("empty", []), ("one", [7]), ("text", Array(String(repeating: "RG-Flow renormalises. ", count: 500).utf8)),
            ("noise", noise), ("zeros", [UInt8](repeating: 0, count: 100_000)),
            ("bytes", (0...255).map { UInt8($0) }), ("lengths", lengths), ("far", farRepeat),
        ]
        let folder = try PythonCheck.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var cases: [PythonCheck.Case] = []
        for (name, bytes) in inputs {
            let raw = folder.appendingPathComponent("\(name).bin")
            try Data(bytes).write(to: raw)
            for mode in DeflateEncoder.Mode.allCases {
                let zlibFile = folder.appendingPathComponent("\(name)-\(mode).zlib")
                try Data(DeflateEncoder.zlib(bytes, mode: mode)).write(to: zlibFile)
                cases.append(.init(name: "\(name)-\(mode)-zlib", kind: "zlib", file: zlibFile.path, raw: raw.path))
                let deflateFile = folder.appendingPathComponent("\(name)-\(mode).deflate")
                try Data(DeflateEncoder.deflate(bytes, mode: mode)).write(to: deflateFile)
                cases.append(.init(name: "\(name)-\(mode)-raw", kind: "deflate", file: deflateFile.path, raw: raw.path))
            }
        }
        let results = try PythonCheck.check(cases, in: folder)
        for testCase in cases {
            let result = try #require(results[testCase.name])
            #expect(result.ok, "\(testCase.name): \(result.error)")
        }
    }

    @Test("PNGs of every colour type, size and compression decode with Python's zlib",
          .enabled(if: PythonCheck.isAvailable, "\(PythonCheck.missingPython)"))
    func pngsDecodeWithPython() throws {
        try checkPNGs(withPillow: false)
    }

    @Test("PNGs decode with Pillow to the same samples",
          .enabled(if: PythonCheck.hasPillow, "\(PythonCheck.missingPillow)"))
    func pngsDecodeWithPillow() throws {
        try checkPNGs(withPillow: true)
    }

    private func checkPNGs(withPillow: Bool) throws {
        let folder = try PythonCheck.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sizes = [(1, 1), (7, 3), (33, 17), (64, 64), (300, 41)]
        var cases: [PythonCheck.Case] = []
        var forcedFilterCases: Set<String> = []
        for colorType in PNGEncoder.ColorType.allCases {
            for (sizeIndex, (width, height)) in sizes.enumerated() {
                for pattern in 0..<4 {
                    let pixels = testPixels(width: width, height: height, channels: colorType.channels,
                                            pattern: pattern, seed: UInt64(sizeIndex * 10 + pattern))
                    let image = PNGEncoder.Image(width: width, height: height, colorType: colorType, pixels: pixels)
                    let stem = "\(colorName(colorType))-\(width)x\(height)-p\(pattern)"
                    let raw = folder.appendingPathComponent("\(stem).raw")
                    try Data(pixels).write(to: raw)
                    var files: [(String, [UInt8])] = DeflateEncoder.Mode.allCases.map {
                        ("\(stem)-\($0)", PNGEncoder.encode(image, compression: $0))
                    }
                    // Row r forced to filter r % 5, so every filter's inverse gets checked.
                    files.append(("\(stem)-forced", PNGEncoder.encode(image, compression: .smallest,
                                                                      rowFilter: { UInt8($0 % 5) })))
                    if height >= 5 { forcedFilterCases.insert("\(stem)-forced") }
                    for (name, bytes) in files {
                        let file = folder.appendingPathComponent("\(name).png")
                        try Data(bytes).write(to: file)
                        cases.append(.init(name: name, kind: "png", file: file.path, raw: raw.path, width: width,
                                           height: height, color: colorName(colorType), pillow: withPillow))
                    }
                }
            }
        }
        let results = try PythonCheck.check(cases, in: folder)
        var chunkCounts: [Int] = []
        for testCase in cases {
            let result = try #require(results[testCase.name])
            #expect(result.ok, "\(testCase.name): \(result.error)")
            if forcedFilterCases.contains(testCase.name) {
                #expect(result.filters == [0, 1, 2, 3, 4], "\(testCase.name) used filters \(result.filters ?? [])")
            }
            if withPillow { #expect(result.pillow == true) }
            chunkCounts.append(result.idatChunks ?? 0)
        }
        // 300x41 RGBA noise is about 49 000 bytes stored: it must span several 8 KiB IDATs.
        #expect(chunkCounts.max() ?? 0 >= 6)
    }

    @Test("grid layout follows make_grid: padding, placement and save_image rounding")
    func gridLayout() {
        // Five 2x3 RGB images, image k filled with (k + 1) / 10 in channel 0 and a marker
        // pixel in channel 2.
        let count = 5, channels = 3, height = 2, width = 3
        var values = [Float](repeating: 0, count: count * channels * height * width)
        for k in 0..<count {
            for pixel in 0..<(height * width) { values[(k * channels + 0) * height * width + pixel] = Float(k + 1) / 10 }
            values[(k * channels + 2) * height * width + 1 * width + 2] = 1  // row 1, column 2
        }
        let grid = PNGEncoder.grid(of: values, count: count, channels: channels, height: height, width: width,
                                   padding: 2, padValue: 0.5)
        // ceil(sqrt(5)) = 3 columns, 2 rows: width 3 * (3 + 2) + 2 = 17, height 2 * (2 + 2) + 2 = 10.
        #expect(grid.width == 17 && grid.height == 10 && grid.colorType == .rgb)
        func sample(_ x: Int, _ y: Int, _ c: Int) -> UInt8 { grid.pixels[(y * grid.width + x) * 3 + c] }
        // Padding 0.5 → 127.5 + 0.5 = 128.
        #expect(sample(0, 0, 0) == 128 && sample(16, 9, 1) == 128 && sample(5, 3, 2) == 128)
        // Image 4 sits in row 1, column 1: top-left (2 + 5, 2 + 4) = (7, 6). 0.5 → 128.
        #expect(sample(7, 6, 0) == 128 && sample(9, 7, 0) == 128)
        #expect(sample(9, 7, 2) == 255 && sample(8, 7, 2) == 0)
        // Image 1 at (7, 2): 0.2 * 255 + 0.5 = 51.5 → 51.
        #expect(sample(7, 2, 0) == 51)
        // The grid's last cell (row 1, column 2) holds no image: padding colour.
        #expect(sample(12, 6, 0) == 128)
    }

    @Test("values outside [0, 1] and NaN clamp like save_image")
    func gridClamping() {
        let values: [Float] = [-0.2, 0, 0.5, 1, 1.5, .nan, 0.998, 0.002]
        let grid = PNGEncoder.grid(of: values, count: 1, channels: 1, height: 1, width: 8, padding: 0)
        #expect(grid.colorType == .gray)
        // 0.998 * 255 + 0.5 = 254.99 → 254; 0.002 * 255 + 0.5 = 1.01 → 1.
        #expect(grid.pixels == [0, 0, 128, 255, 255, 0, 254, 1])
    }

    @Test("the tensor overload lays out [N, C, H, W] like the array overload")
    func gridFromTensor() {
        let values = (0..<(4 * 1 * 3 * 5)).map { Float($0) / 60 }
        let tensor = Tensor<Float>(shape: [4, 1, 3, 5], scalars: values)
        let fromTensor = PNGEncoder.grid(of: tensor, columns: 4, padding: 1)
        let fromArray = PNGEncoder.grid(of: values, count: 4, channels: 1, height: 3, width: 5, columns: 4, padding: 1)
        #expect(fromTensor == fromArray)
        #expect(fromTensor.width == 4 * 6 + 1 && fromTensor.height == 3 + 2)
    }
}
