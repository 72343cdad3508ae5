// The data checksum: CRC-32C against published check values and a bit-at-a-time reference,
// files that carry it, every way a file can disagree with it, and Python's safetensors.

import Foundation
import Tensor
import Testing
@testable import RGFlow

/// CRC-32C one bit at a time, straight from its definition (reflected polynomial
/// 0x82F63B78, register and output inverted): no tables, no lanes.
func referenceCRC32C<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return ~crc
}

/// Helpers to take a serialized file apart with byte arithmetic, not the reader.
enum SafetensorsLayout {
    /// The header length stored in the first 8 bytes.
    static func headerLength(_ bytes: [UInt8]) -> Int {
        bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
    }

    /// Where the data section starts.
    static func dataStart(_ bytes: [UInt8]) -> Int { 8 + headerLength(bytes) }

    /// `"crc32c:"` and the reference CRC of the data section, as the header should store it.
    static func expectedChecksum(_ bytes: [UInt8]) -> String {
        "crc32c:" + hex(referenceCRC32C(bytes[dataStart(bytes)...]))
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// Tensors of every dtype the builder writes, and no empty tensor: an extent beside a zero
/// extent is not tied to any byte count, so changing it would leave a valid file.
private func checkedBuilder() throws -> SafetensorsBuilder {
    var builder = SafetensorsBuilder(metadata: ["note": "hello"])
    try builder.add(Tensor<Float>(shape: [3, 4], scalars: (0..<12).map { Float($0) * 0.25 - 1 }), named: "alpha")
    try builder.add(Tensor<Double>(shape: [5], scalars: [.pi, -.pi, 1e300, -1e-300, 0]), named: "beta.weight")
    try builder.add(integers: [-1, 0, 1 << 40], shape: [3], named: "gamma")
    return builder
}

@Suite("Safetensors data checksum")
struct SafetensorsChecksumTests {
    /// RFC 3720 B.4 and the common "123456789" check value.
    @Test func publishedCheckValues() {
        let cases: [([UInt8], UInt32)] = [
            (Array("123456789".utf8), 0xE306_9283),
            ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
            ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
            ((0..<32).map { UInt8($0) }, 0x46DD_794E),
            ((0..<32).reversed().map { UInt8($0) }, 0x113F_DB5C),
        ]
        for (bytes, expected) in cases {
            #expect(bytes.withUnsafeBytes { CRC32C.checksum(of: $0) } == expected)
            #expect(referenceCRC32C(bytes) == expected)
        }
        #expect([UInt8]().withUnsafeBytes { CRC32C.checksum(of: $0) } == 0)
    }

    /// Every length up to 200 (each tail size of the 16-byte blocks), lengths around the
    /// four-lane threshold and ragged large ones, whole and in arbitrary pieces.
    @Test func matchesTheBitwiseReference() {
        var generator = TensorRandomGenerator(seed: 11)
        let threshold = 4 * CRC32C.laneMinimum
        let lengths = Array(0...200) + [threshold - 1, threshold, threshold + 1, threshold + 15, threshold + 16,
                                        threshold + 17, 3 * threshold + 7, 100_003, 262_144]
        for length in lengths {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = referenceCRC32C(bytes)
            #expect(bytes.withUnsafeBytes { CRC32C.checksum(of: $0) } == expected, "length \(length)")
            // Pieces at random cut points (unaligned starts included) give the same value.
            var crc = CRC32C()
            var start = 0
            while start < length {
                let end = min(length, start + Int.random(in: 1...(threshold + 100), using: &generator))
                bytes[start..<end].withUnsafeBytes { crc.update($0) }
                start = end
            }
            #expect(crc.value == expected, "length \(length) in pieces")
        }
    }

    @Test func theTextFormIsStrict() {
        #expect(Safetensors.checksumText(0x0000_00AB) == "crc32c:000000ab")
        #expect(Safetensors.parseChecksum("crc32c:1a2b3c4d") == 0x1A2B_3C4D)
        #expect(Safetensors.parseChecksum("crc32c:ffffffff") == .max)
        for bad in ["crc32c:1A2B3C4D", "crc32c:1a2b3c4", "crc32c:1a2b3c4d5", "crc32c:1a2b3c4g", "crc32c:+a2b3c4d", "crc32c:-a2b3c4d",
                    "CRC32C:1a2b3c4d", "crc32:1a2b3c4d", " crc32c:1a2b3c4d", "crc32c: 1a2b3c4", "sha256:1a2b3c4d", ""] {
            #expect(Safetensors.parseChecksum(bad) == nil, "\(bad)")
        }
    }

    @Test func writtenFilesCarryTheChecksumOfTheirData() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("checked.safetensors")
        let builder = try checkedBuilder()
        try builder.write(to: url)
        let bytes = [UInt8](try Data(contentsOf: url))
        let expected = SafetensorsLayout.expectedChecksum(bytes)
        // In the header as written, and verified by both initialisers.
        let header = String(decoding: bytes[8..<SafetensorsLayout.dataStart(bytes)], as: UTF8.self)
        #expect(header.contains(#""data_checksum":"\#(expected)""#))
        let file = try Safetensors(contentsOf: url)
        #expect(file.dataChecksum == expected)
        #expect(file.metadata == ["note": "hello"])
        #expect(try Safetensors(bytes: Data(bytes)).dataChecksum == expected)
        #expect(try file.tensor(named: "beta.weight", as: Double.self).scalars == [.pi, -.pi, 1e300, -1e-300, 0])
    }

    /// Each byte of the data section changed in turn (and the first, a middle and the last
    /// through a real file): always refused, naming the file, as corrupt data.
    @Test func everyChangedDataByteIsDetected() throws {
        let bytes = [UInt8](try checkedBuilder().serialized())
        let start = SafetensorsLayout.dataStart(bytes)
        let expected = SafetensorsLayout.expectedChecksum(bytes)
        for index in start..<bytes.count {
            for change: UInt8 in [0x01, 0x80, 0xFF] {
                var corrupt = bytes
                corrupt[index] ^= change
                let error = #expect(throws: SafetensorsError.self, "byte \(index) ^ \(change)") {
                    try Safetensors(bytes: Data(corrupt), file: "corrupt.safetensors")
                }
                #expect(error?.kind == .checksumMismatch && error?.file == "corrupt.safetensors")
                let found = SafetensorsLayout.expectedChecksum(corrupt)
                #expect(error?.description == "corrupt.safetensors: data checksum mismatch: the data is corrupt: expected "
                    + "\(expected) (__metadata__ data_checksum), found \(found) over the \(bytes.count - start) data "
                    + "bytes from byte \(start)")
            }
        }
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for index in [start, (start + bytes.count) / 2, bytes.count - 1] {
            var corrupt = bytes
            corrupt[index] ^= 0x10
            let url = folder.appendingPathComponent("flipped-\(index).safetensors")
            try Data(corrupt).write(to: url)
            let error = #expect(throws: SafetensorsError.self) { try Safetensors(contentsOf: url) }
            #expect(error?.kind == .checksumMismatch && error?.file == url.path)
            #expect(error?.description.hasPrefix("\(url.path): data checksum mismatch: the data is corrupt: ") == true)
        }
    }

    /// Every one-bit change of every header byte is refused, by the header rules or the
    /// checksum, except inside tensor names and metadata text, where any text is valid; a
    /// file that still loads then differs visibly from the original. The checksum's key is
    /// such text too: changed, it is just another metadata entry (and nothing is verified).
    @Test func everyChangedHeaderBitOutsideFreeTextIsRefused() throws {
        let bytes = [UInt8](try checkedBuilder().serialized())
        let original = try Safetensors(bytes: Data(bytes))
        let start = SafetensorsLayout.dataStart(bytes)
        let header = String(decoding: bytes[8..<start], as: UTF8.self)
        var freeText: [Range<Int>] = []
        for text in ["alpha", "beta.weight", "gamma", "note", "hello", "data_checksum"] {
            let found = try #require(header.range(of: "\"\(text)\""))
            let offset = 8 + header.utf8.distance(from: header.startIndex, to: found.lowerBound)
            freeText.append((offset + 1)..<(offset + 1 + text.utf8.count))
        }
        var loaded = 0
        for index in 0..<start {
            for bit in 0..<8 {
                var changed = bytes
                changed[index] ^= 1 << bit
                let isFreeText = freeText.contains { $0.contains(index) }
                do {
                    let file = try Safetensors(bytes: Data(changed))
                    loaded += 1
                    #expect(isFreeText, "a change of bit \(bit) at byte \(index) went unnoticed")
                    #expect(file != original)
                } catch is SafetensorsError {}
            }
        }
        #expect(loaded > 0)
    }

    @Test func filesWithoutTheKeyLoad() throws {
        var builder = try checkedBuilder()
        builder.includesDataChecksum = false
        let bytes = try builder.serialized()
        #expect(!String(decoding: bytes, as: UTF8.self).contains("data_checksum"))
        let file = try Safetensors(bytes: bytes)
        #expect(file.dataChecksum == nil && file.metadata == ["note": "hello"])
        // The same tensors with the key: equal contents.
        #expect(file == (try Safetensors(bytes: try checkedBuilder().serialized())))
        if SafetensorsFixture.hasGolden {
            #expect(try SafetensorsFixture.golden("rnvp_laplace_L8/weights.safetensors").dataChecksum == nil)
        }
    }

    @Test(arguments: ["crc32c:1234567", "crc32c:123456789", "crc32c:12345g78", "crc32c:ABCDEF12", "sha256:12345678", ""])
    func malformedChecksumValuesAreRefused(_ value: String) throws {
        let header = #"{"__metadata__":{"data_checksum":"\#(value)"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let bytes = SafetensorsFixture.file(header: header, data: SafetensorsFixture.bytes(float32: [1]))
        let error = #expect(throws: SafetensorsError.self) { try Safetensors(bytes: bytes, file: "odd.safetensors") }
        #expect(error?.kind == .invalidMetadata)
        #expect(error?.offset == MalformedSafetensors.offset(of: "\"\(value)\"", after: "data_checksum\":", in: header))
        #expect(error?.description == "odd.safetensors: byte \(error?.offset ?? -1): invalid __metadata__: expected "
            + "data_checksum as \"crc32c:\" and 8 lowercase hex digits (the CRC-32C of the data section), found the string \"\(value)\"")
    }

    @Test func builderReservesTheKey() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var builder = try checkedBuilder()
        builder.metadata["data_checksum"] = "crc32c:00000000"
        let error = #expect(throws: SafetensorsError.self) { try builder.serialized() }
        #expect(error?.kind == .invalidMetadata)
        let url = folder.appendingPathComponent("reserved.safetensors")
        let written = #expect(throws: SafetensorsError.self) { try builder.write(to: url) }
        #expect(written?.kind == .invalidMetadata && written?.file == url.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}

/// Python's own safetensors package, when installed.
enum SafetensorsPythonPackage {
    static let isAvailable = SafetensorsPython.run(["-c", "import safetensors, numpy"]).status == 0
    static let missing = "python3 (or RGFLOW_PYTHON) cannot import safetensors and numpy (pip install safetensors numpy)"

    /// Loads the file with safetensors.safe_open and prints its metadata and tensors (floats
    /// as float.hex()), and the CRC-32C of the data section computed bit by bit in Python.
    static let script = """
        import json, struct, sys
        from safetensors import safe_open
        path = sys.argv[1]
        out = {'tensors': {}}
        with safe_open(path, framework='np') as f:
            out['metadata'] = f.metadata()
            for name in f.keys():
                array = f.get_tensor(name)
                values = array.ravel().tolist()
                if array.dtype.kind == 'f':
                    values = [float(v).hex() for v in values]
                out['tensors'][name] = {'dtype': str(array.dtype), 'shape': list(array.shape), 'values': values}
        raw = open(path, 'rb').read()
        (n,) = struct.unpack('<Q', raw[:8])
        crc = 0xFFFFFFFF
        for byte in raw[8 + n:]:
            crc ^= byte
            for _ in range(8):
                crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        out['crc32c'] = 'crc32c:%08x' % (crc ^ 0xFFFFFFFF)
        print(json.dumps(out))
        """
}

@Suite("Safetensors read by Python's safetensors",
       .enabled(if: SafetensorsPythonPackage.isAvailable, "\(SafetensorsPythonPackage.missing)"))
struct SafetensorsPythonPackageTests {
    @Test func safetensorsLoadsAFileWithTheChecksum() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("checked.safetensors")
        try checkedBuilder().write(to: url)
        let (status, output) = SafetensorsPython.run(["-c", SafetensorsPythonPackage.script, url.path])
        try #require(status == 0, "Python's safetensors failed with status \(status)")
        let result = try #require(JSONSerialization.jsonObject(with: output) as? [String: Any])
        let checksum = try #require(result["crc32c"] as? String)
        #expect(result["metadata"] as? [String: String] == ["note": "hello", "data_checksum": checksum])
        #expect(try Safetensors(contentsOf: url).dataChecksum == checksum)
        let tensors = try #require(result["tensors"] as? [String: [String: Any]])
        #expect(tensors["alpha"]?["dtype"] as? String == "float32" && tensors["alpha"]?["shape"] as? [Int] == [3, 4])
        let alpha = (tensors["alpha"]?["values"] as? [String] ?? []).compactMap { Double($0) }
        #expect(alpha == (0..<12).map { Double($0) * 0.25 - 1 })
        let beta = (tensors["beta.weight"]?["values"] as? [String] ?? []).compactMap { Double($0) }
        #expect(beta.map(\.bitPattern) == [Double.pi, -.pi, 1e300, -1e-300, 0].map(\.bitPattern))
        #expect(tensors["gamma"]?["dtype"] as? String == "int64")
        #expect((tensors["gamma"]?["values"] as? [NSNumber])?.map(\.int64Value) == [-1, 0, 1 << 40])
    }
}
