// Safetensors round trips, typed access, the golden files written by the reference
// implementation (read, and rewritten byte for byte), and an independent reader in Python.

import Foundation
import Tensor
import Testing
@testable import RGFlow

/// Shared helpers of the safetensors tests.
enum SafetensorsFixture {
    /// A fresh folder under the system's temporary directory.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("rgflow-safetensors-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A hand-made file: the header length (the real one unless `declaredLength` is given),
    /// the header bytes, then `data`.
    static func file(header: [UInt8], data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
        let length = (declaredLength ?? UInt64(header.count)).littleEndian
        return withUnsafeBytes(of: length) { Data($0) } + Data(header) + Data(data)
    }

    static func file(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
        file(header: Array(header.utf8), data: data, declaredLength: declaredLength)
    }

    /// Little-endian bytes of F32 values.
    static func bytes(float32 values: [Float]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
    }

    /// `../shared/golden` next to the package root, or `RGFLOW_GOLDEN_DIR`.
    static let goldenDirectory: URL = {
        if let path = ProcessInfo.processInfo.environment["RGFLOW_GOLDEN_DIR"] {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("../shared/golden").standardizedFileURL
    }()

    static let hasGolden = FileManager.default.fileExists(
        atPath: goldenDirectory.appendingPathComponent("rnvp_laplace_L8/weights.safetensors").path)
        && FileManager.default.fileExists(atPath: goldenDirectory.appendingPathComponent("ar_laplace_L8/weights.safetensors").path)
    static let missingGolden = "golden files not found in ../shared/golden (set RGFLOW_GOLDEN_DIR)"

    static func golden(_ path: String) throws -> Safetensors {
        try Safetensors(contentsOf: goldenDirectory.appendingPathComponent(path))
    }
}

/// Values chosen to exercise the bit patterns: signed zero, subnormals, extremes, infinity.
private let floatValues: [Float] = [0, -0.0, 1.5, -2.25, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, 0.1]
private let doubleValues: [Double] = [.pi, -1e-300, .leastNonzeroMagnitude, 1.0 / 3, -.infinity, 123456789.125]
private let integerValues: [Int64] = [.min, -1, 0, .max, 42, 1 << 40]

/// A builder holding one tensor of each kind, plus a scalar, an empty tensor and a view.
private func sampleBuilder() throws -> SafetensorsBuilder {
    var builder = SafetensorsBuilder(metadata: ["format": "pt", "note": "quote \" backslash \\ newline \n é 漢"])
    try builder.add(Tensor<Float>(shape: [2, 4], scalars: floatValues), named: "weights.f32")
    try builder.add(Tensor<Double>(shape: [3, 2], scalars: doubleValues), named: "weights.f64")
    try builder.add(Tensor<Double>(0.5), named: "scalar")
    try builder.add(Tensor<Float>(shape: [0, 5], scalars: []), named: "empty")
    try builder.add(integers: integerValues, shape: [3, 2], named: "steps")
    // A transposed view is written in its own row-major order.
    try builder.add(Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).transposed(), named: "transposed")
    return builder
}

@Suite("Safetensors round trip and typed access")
struct SafetensorsRoundTripTests {
    @Test func writtenFileReadsBackEqual() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("sample.safetensors")
        let builder = try sampleBuilder()
        try builder.write(to: url)
        let file = try Safetensors(contentsOf: url)

        #expect(file.metadata == ["format": "pt", "note": "quote \" backslash \\ newline \n é 漢"])
        #expect(file.tensorNames == ["empty", "scalar", "steps", "transposed", "weights.f32", "weights.f64"])
        #expect(try file.info(named: "weights.f32").dtype == .float32)
        #expect(try file.info(named: "weights.f64").dtype == .float64)
        #expect(try file.info(named: "steps").dtype == .int64)

        let floats = try file.tensor(named: "weights.f32", as: Float.self)
        #expect(floats.shape == [2, 4])
        #expect(floats.scalars.map(\.bitPattern) == floatValues.map(\.bitPattern))
        let doubles = try file.tensor(named: "weights.f64", as: Double.self)
        #expect(doubles.shape == [3, 2])
        #expect(doubles.scalars.map(\.bitPattern) == doubleValues.map(\.bitPattern))
        #expect(try file.integers(named: "steps") == .init(shape: [3, 2], scalars: integerValues))
        let scalar = try file.tensor(named: "scalar", as: Double.self)
        #expect(scalar.shape == [] && scalar.scalar == 0.5)
        let empty = try file.tensor(named: "empty", as: Float.self)
        #expect(empty.shape == [0, 5] && empty.scalars.isEmpty)
        #expect(try file.tensor(named: "transposed", as: Float.self).scalars == [1, 4, 2, 5, 3, 6])
        #expect(try file.tensor(named: "transposed", as: Float.self).shape == [3, 2])
    }

    @Test func floatWidthsConvertBothWays() throws {
        let file = try Safetensors(bytes: try sampleBuilder().serialized())
        // F32 -> Double is exact; F64 -> Float rounds to nearest, as Float(_: Double) does.
        let widened = try file.tensor(named: "weights.f32", as: Double.self)
        #expect(widened.scalars.map(\.bitPattern) == floatValues.map { Double($0).bitPattern })
        let narrowed = try file.tensor(named: "weights.f64", as: Float.self)
        #expect(narrowed.scalars.map(\.bitPattern) == doubleValues.map { Float($0).bitPattern })
        #expect(narrowed.scalars[2] == 0 && narrowed.scalars[4] == -.infinity)
    }

    @Test func serializedBytesEqualTheWrittenFile() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("sample.safetensors")
        let builder = try sampleBuilder()
        try builder.write(to: url)
        let bytes = try builder.serialized()
        #expect(try Data(contentsOf: url) == bytes)
        #expect(try Safetensors(contentsOf: url) == Safetensors(bytes: bytes))
        // Rebasing: a slice of a larger buffer reads the same.
        let padded = Data([1, 2, 3]) + bytes
        #expect(try Safetensors(bytes: padded[3...]) == Safetensors(bytes: bytes))
    }

    /// The layout facts, read with byte arithmetic and JSONSerialization rather than the reader.
    @Test func headerIsPaddedSortedAndAligned() throws {
        let bytes = [UInt8](try sampleBuilder().serialized())
        let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(length % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        let json = header.trimmingCharacters(in: .init(charactersIn: " "))
        // data_checksum sorts first; "crc32c:" and 8 hex digits.
        #expect(json.hasPrefix("{\"__metadata__\":{\"data_checksum\":\"crc32c:"))
        #expect(json.dropFirst(#"{"__metadata__":{"data_checksum":"crc32c:"#.count + 8).hasPrefix("\",\"format\":\"pt\",\"note\":"))
        #expect(header.utf8.count - json.utf8.count < 8)
        let keys = ["\"empty\":", "\"scalar\":", "\"steps\":", "\"transposed\":", "\"weights.f32\":", "\"weights.f64\":"]
        let positions = keys.map { header.range(of: $0)!.lowerBound }
        #expect(positions == positions.sorted())
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let ranges = keys.map { key -> [Int] in
            let name = String(key.dropFirst().dropLast(2))
            return (object[name] as? [String: Any])?["data_offsets"] as? [Int] ?? []
        }
        // empty, scalar (F64), steps (6 x I64), transposed (6 x F32), f32 (8 x F32), f64 (6 x F64)
        #expect(ranges == [[0, 0], [0, 8], [8, 56], [56, 80], [80, 112], [112, 160]])
        #expect(bytes.count == 8 + length + 160)
    }

    @Test func integerTensorsWidenFromI32() throws {
        // I32 cannot be written by the builder, so the file is made by hand, with an odd
        // header length so the data is also unaligned.
        let header = #"{"ints":{"dtype":"I32","shape":[3],"data_offsets":[0,12]},"f":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}"#
        #expect(header.utf8.count % 4 != 0)
        let values: [Int32] = [-7, .min, .max]
        let data = values.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
            + SafetensorsFixture.bytes(float32: [2.5])
        let file = try Safetensors(bytes: SafetensorsFixture.file(header: header, data: data))
        #expect(try file.integers(named: "ints") == .init(shape: [3], scalars: [-7, Int64(Int32.min), Int64(Int32.max)]))
        #expect(try file.tensor(named: "f", as: Double.self).scalars == [2.5])
    }

    @Test func lookupErrorsNameTheTensor() throws {
        let file = try Safetensors(bytes: try sampleBuilder().serialized(), file: "sample.safetensors")
        let missing = #expect(throws: SafetensorsError.self) { try file.tensor(named: "nope", as: Float.self) }
        #expect(missing?.kind == .tensorNotFound && missing?.tensorName == "nope")
        #expect(missing?.description.contains("\"weights.f32\"") == true)
        #expect(missing?.description.hasPrefix("sample.safetensors: ") == true)
        let asFloat = #expect(throws: SafetensorsError.self) { try file.tensor(named: "steps", as: Double.self) }
        #expect(asFloat?.kind == .dtypeMismatch && asFloat?.tensorName == "steps")
        let asInteger = #expect(throws: SafetensorsError.self) { try file.integers(named: "weights.f32") }
        #expect(asInteger?.kind == .dtypeMismatch && asInteger?.tensorName == "weights.f32")
    }

    @Test func builderRejectsBadNamesAndCounts() throws {
        var builder = SafetensorsBuilder()
        try builder.add(Tensor<Float>(1), named: "a")
        let duplicate = #expect(throws: SafetensorsError.self) { try builder.add(Tensor<Double>(2), named: "a") }
        #expect(duplicate?.kind == .duplicateKey)
        let reserved = #expect(throws: SafetensorsError.self) { try builder.add(Tensor<Float>(1), named: "__metadata__") }
        #expect(reserved?.kind == .reservedTensorName)
        let count = #expect(throws: SafetensorsError.self) { try builder.add(integers: [1, 2, 3], shape: [2, 2], named: "b") }
        #expect(count?.kind == .invalidShape)
        let negative = #expect(throws: SafetensorsError.self) { try builder.add(integers: [], shape: [0, -1], named: "c") }
        #expect(negative?.kind == .invalidShape)
        let overflow = #expect(throws: SafetensorsError.self) {
            try builder.add(integers: [], shape: [0, 1 << 32, 1 << 32], named: "d")
        }
        #expect(overflow?.kind == .invalidShape)
        try builder.add(integers: [], shape: [0, 3], named: "e")
        #expect(builder.tensorNames == ["a", "e"])
    }
}

@Suite("Safetensors golden files", .enabled(if: SafetensorsFixture.hasGolden, "\(SafetensorsFixture.missingGolden)"))
struct SafetensorsGoldenTests {
    /// DESIGN: the Laplace prior's scale is b = T / sqrt(2) with T = 1.
    @Test(arguments: ["rnvp_laplace_L8", "ar_laplace_L8"])
    func priorScaleIsOneOverRootTwo(_ folder: String) throws {
        let weights = try SafetensorsFixture.golden("\(folder)/weights.safetensors")
        let scale = try weights.tensor(named: "prior.scale", as: Double.self)
        #expect(scale.shape == [])
        #expect(scale.scalar == 1 / 2.0.squareRoot())
        #expect(try weights.tensor(named: "prior.scale", as: Float.self).scalar == Float(1 / 2.0.squareRoot()))
        #expect(weights.tensorInfos.allSatisfy { $0.dtype == .float64 })
        #expect(weights.metadata.isEmpty)
    }

    /// DESIGN: left = 1 where row and column are both even or both odd, right = 1 - left,
    /// over [C, K, K] = [3, 4, 4] for every layer of the rnvp case.
    @Test func rnvpMasksAreCheckerboards() throws {
        let weights = try SafetensorsFixture.golden("rnvp_laplace_L8/weights.safetensors")
        for layer in 0..<4 {
            let left = try weights.tensor(named: "layers.\(layer).mask_left", as: Double.self)
            let right = try weights.tensor(named: "layers.\(layer).mask_right", as: Double.self)
            #expect(left.shape == [3, 4, 4] && right.shape == [3, 4, 4])
            for channel in 0..<3 {
                for row in 0..<4 {
                    for column in 0..<4 {
                        let expected: Double = row % 2 == column % 2 ? 1 : 0
                        #expect(left[channel, row, column] == expected)
                        #expect(right[channel, row, column] == 1 - expected)
                    }
                }
            }
        }
    }

    /// DESIGN: an ar block's first masked linear is strictly lower triangular over the
    /// K*K = 16 positions (feature = channel * 16 + position), the second includes the
    /// diagonal; nhidden = 32 gives 32 x 32 weights.
    @Test func arMasksAreTriangularOverPositions() throws {
        let weights = try SafetensorsFixture.golden("ar_laplace_L8/weights.safetensors")
        let exclusive = try weights.tensor(named: "layers.0.s_layers.0.res_blocks.0.1.mask", as: Double.self)
        let inclusive = try weights.tensor(named: "layers.0.s_layers.0.res_blocks.0.3.mask", as: Float.self)
        #expect(exclusive.shape == [32, 32] && inclusive.shape == [32, 32])
        for output in 0..<32 {
            for input in 0..<32 {
                #expect(exclusive[output, input] == (input % 16 < output % 16 ? 1 : 0))
                #expect(inclusive[output, input] == (input % 16 <= output % 16 ? 1 : 0))
            }
        }
    }

    /// README: pixels [B, C, L, L] in [0, 1], x = logit of the squeezed pixels (c = 0.9),
    /// bpd = (loss + log 256) / log 2. Values agree to a few ulps of rounding.
    @Test(arguments: [("rnvp_laplace_L8", 3, 3), ("ar_laplace_L8", 2, 2)])
    func expectedValuesFitTheirDefinitions(_ folder: String, batch: Int, channels: Int) throws {
        let expected = try SafetensorsFixture.golden("\(folder)/expected.safetensors")
        let pixels = try expected.tensor(named: "pixels", as: Double.self)
        let x = try expected.tensor(named: "x", as: Double.self)
        #expect(pixels.shape == [batch, channels, 8, 8] && x.shape == pixels.shape)
        #expect(pixels.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        for (pixel, logit) in zip(pixels.scalars, x.scalars) {
            let y = ((2 * pixel - 1) * 0.9 + 1) / 2
            let reference = Foundation.log(y) - Foundation.log(1 - y)
            #expect(abs(reference - logit) <= 8 * Double.ulpOfOne * max(1, abs(logit)))
        }
        let loss = try expected.tensor(named: "loss", as: Double.self).scalars
        let bpd = try expected.tensor(named: "bpd", as: Double.self).scalars
        #expect(loss.count == batch && bpd.count == batch)
        for (lossValue, bits) in zip(loss, bpd) {
            let reference = (lossValue + Foundation.log(256.0)) / Foundation.log(2.0)
            #expect(abs(reference - bits) <= 4 * Double.ulpOfOne * abs(bits))
        }
    }

    /// The golden files were written by the reference implementation; rebuilding them from
    /// their tensors must reproduce them byte for byte (same key order, JSON and padding).
    @Test(arguments: ["rnvp_laplace_L8/weights", "rnvp_laplace_L8/expected", "ar_laplace_L8/weights",
                      "ar_laplace_L8/expected"])
    func rewritingReproducesTheReferenceBytes(_ name: String) throws {
        let url = SafetensorsFixture.goldenDirectory.appendingPathComponent("\(name).safetensors")
        let original = try Safetensors(contentsOf: url)
        #expect(original.dataChecksum == nil)
        var builder = SafetensorsBuilder(metadata: original.metadata)
        // The reference writes no checksum.
        builder.includesDataChecksum = false
        for tensorName in original.tensorNames {
            try builder.add(original.tensor(named: tensorName, as: Double.self), named: tensorName)
        }
        let rewritten = try builder.serialized()
        #expect(rewritten == (try Data(contentsOf: url)))
        #expect(try Safetensors(bytes: rewritten) == original)
    }
}

/// Runs Python's json module and numpy over a file the builder wrote.
enum SafetensorsPython {
    static let interpreter = ProcessInfo.processInfo.environment["RGFLOW_PYTHON"] ?? "python3"
    static let hasNumpy = run(["-c", "import json, struct, numpy"]).status == 0
    static let missing = "python3 (or RGFLOW_PYTHON) with numpy is not available"

    /// Parses the header with json and each tensor with numpy.frombuffer; prints the key
    /// order, metadata, header length, and per tensor its dtype, shape and values (floats as
    /// float.hex(), exact).
    static let script = """
        import json, struct, sys
        import numpy as np
        raw = open(sys.argv[1], 'rb').read()
        (n,) = struct.unpack('<Q', raw[:8])
        header = raw[8:8 + n].decode('utf-8')
        order = json.loads(header, object_pairs_hook=lambda pairs: [k for k, _ in pairs])
        parsed = json.loads(header)
        data = raw[8 + n:]
        kinds = {'F32': '<f4', 'F64': '<f8', 'I32': '<i4', 'I64': '<i8'}
        out = {'header_length': n, 'keys': order, 'metadata': parsed.pop('__metadata__', {}), 'tensors': {}}
        for name, info in parsed.items():
            begin, end = info['data_offsets']
            array = np.frombuffer(data[begin:end], dtype=kinds[info['dtype']]).reshape(info['shape'])
            values = array.ravel().tolist()
            if info['dtype'].startswith('F'):
                values = [float(v).hex() for v in values]
            out['tensors'][name] = {'dtype': str(array.dtype), 'shape': list(array.shape), 'values': values}
        print(json.dumps(out))
        """

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
}

@Suite("Safetensors read by Python", .enabled(if: SafetensorsPython.hasNumpy, "\(SafetensorsPython.missing)"))
struct SafetensorsPythonTests {
    @Test func numpyReadsWhatTheBuilderWrote() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("sample.safetensors")
        try sampleBuilder().write(to: url)
        let (status, output) = SafetensorsPython.run(["-c", SafetensorsPython.script, url.path])
        try #require(status == 0, "the Python reader failed with status \(status)")
        let result = try #require(JSONSerialization.jsonObject(with: output) as? [String: Any])
        #expect((result["header_length"] as? Int).map { $0 % 8 == 0 } == true)
        #expect(result["keys"] as? [String]
            == ["__metadata__", "empty", "scalar", "steps", "transposed", "weights.f32", "weights.f64"])
        let checksum = try #require(try Safetensors(contentsOf: url).dataChecksum)
        #expect(result["metadata"] as? [String: String]
            == ["format": "pt", "note": "quote \" backslash \\ newline \n é 漢", "data_checksum": checksum])
        let tensors = try #require(result["tensors"] as? [String: [String: Any]])
        func check(_ name: String, dtype: String, shape: [Int], doubles: [Double]) {
            let tensor = tensors[name] ?? [:]
            #expect(tensor["dtype"] as? String == dtype, "\(name)")
            #expect(tensor["shape"] as? [Int] == shape, "\(name)")
            let values = (tensor["values"] as? [String] ?? []).compactMap { Double($0) }
            #expect(values.map(\.bitPattern) == doubles.map(\.bitPattern), "\(name)")
        }
        check("weights.f32", dtype: "float32", shape: [2, 4], doubles: floatValues.map(Double.init))
        check("weights.f64", dtype: "float64", shape: [3, 2], doubles: doubleValues)
        check("scalar", dtype: "float64", shape: [], doubles: [0.5])
        check("empty", dtype: "float32", shape: [0, 5], doubles: [])
        check("transposed", dtype: "float32", shape: [3, 2], doubles: [1, 4, 2, 5, 3, 6])
        let steps = tensors["steps"] ?? [:]
        #expect(steps["dtype"] as? String == "int64" && steps["shape"] as? [Int] == [3, 2])
        #expect((steps["values"] as? [NSNumber])?.map(\.int64Value) == integerValues)
    }
}
