// One malformed file per validation rule of the safetensors reader, each asserting the
// error's kind, file, byte offset and tensor; plus truncations and byte flips that must throw
// cleanly instead of crashing.

import Foundation
import Tensor
import Testing
@testable import RGFlow

/// A file breaking one rule, and the error it must produce.
struct MalformedSafetensors: Sendable, CustomTestStringConvertible {
    let label: String
    let bytes: Data
    let kind: SafetensorsError.Kind
    /// The expected file offset, found by searching the header text (not by the parser).
    let offset: Int?
    let tensor: String?

    var testDescription: String { "\(label) -> \(kind)" }

    /// A case whose header is `header`; `at` is a substring whose first occurrence (searched
    /// from `after` when given) marks the expected offset.
    init(_ label: String, _ kind: SafetensorsError.Kind, header: String, data: [UInt8] = [],
         at needle: String? = nil, after anchor: String? = nil, tensor: String? = nil) {
        self.label = label
        self.kind = kind
        self.bytes = SafetensorsFixture.file(header: header, data: data)
        self.tensor = tensor
        self.offset = needle.map { MalformedSafetensors.offset(of: $0, after: anchor, in: header) }
    }

    init(_ label: String, _ kind: SafetensorsError.Kind, bytes: Data, offset: Int?, tensor: String? = nil) {
        self.label = label
        self.kind = kind
        self.bytes = bytes
        self.offset = offset
        self.tensor = tensor
    }

    /// 8 (the length field) plus the UTF-8 offset of `needle` in `header`.
    static func offset(of needle: String, after anchor: String?, in header: String) -> Int {
        let start = anchor.map { header.range(of: $0)!.upperBound } ?? header.startIndex
        let found = header.range(of: needle, range: start..<header.endIndex)!.lowerBound
        return 8 + header.utf8.distance(from: header.startIndex, to: found)
    }
}

/// 8 data bytes: two F32 values.
private let eight = SafetensorsFixture.bytes(float32: [1, 2])

private let malformedFiles: [MalformedSafetensors] = [
    .init("5-byte file", .fileTooShort, bytes: Data([1, 0, 0, 0, 0]), offset: 0),
    .init("header length above 100 MB", .headerTooLarge,
          bytes: SafetensorsFixture.file(header: "{}", declaredLength: 100_000_001), offset: 0),
    .init("header length 2^64 - 1", .headerTooLarge,
          bytes: SafetensorsFixture.file(header: "{}", declaredLength: .max), offset: 0),
    .init("header length past the end", .headerLengthBeyondFile,
          bytes: SafetensorsFixture.file(header: "{}      ", declaredLength: 9), offset: 0),
    .init("invalid UTF-8 in a name", .headerNotUTF8,
          bytes: SafetensorsFixture.file(header: Array(#"{"a"#.utf8) + [0xFF] + Array(#"":{}}"#.utf8)), offset: 8 + 3),
    .init("UTF-16 surrogate encoded in UTF-8", .headerNotUTF8,
          bytes: SafetensorsFixture.file(header: Array(#"{""#.utf8) + [0xED, 0xA0, 0x80] + Array(#"":1}"#.utf8)),
          offset: 8 + 2),
    .init("missing colon", .headerNotJSON, header: #"{"a" 1}"#, at: "1"),
    .init("truncated JSON", .headerNotJSON, bytes: SafetensorsFixture.file(header: #"{"a":{"dtype":"F32""#),
          offset: 8 + #"{"a":{"dtype":"F32""#.utf8.count),
    .init("trailing garbage", .headerNotJSON, header: #"{} x"#, at: "x"),
    .init("lone surrogate escape", .headerNotJSON, header: #"{"\ud800":1}"#, at: "\":"),
    .init("nesting 10000 deep", .headerNotJSON, header: String(repeating: "[", count: 10_000), at: nil),
    .init("array at the top", .headerNotObject, header: "[1, 2]", at: "["),
    .init("duplicate name", .duplicateKey,
          header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
          data: eight, at: #""a""#, after: "]},", tensor: "a"),
    .init("no data_offsets", .missingField, header: #"{"w":{"dtype":"F32","shape":[2]}}"#, data: eight,
          at: "{", after: #""w":"#, tensor: "w"),
    .init("no dtype", .missingField, header: #"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, data: eight,
          at: "{", after: #""w":"#, tensor: "w"),
    .init("entry is a number", .wrongFieldType, header: #"{"w":3}"#, at: "3", tensor: "w"),
    .init("shape is a string", .wrongFieldType, header: #"{"w":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}"#,
          data: eight, at: #""2""#, tensor: "w"),
    .init("dtype is a number", .wrongFieldType, header: #"{"w":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}"#,
          data: eight, at: "32", tensor: "w"),
    .init("data_offsets is an object", .wrongFieldType, header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":{}}}"#,
          data: eight, at: "{}", tensor: "w"),
    .init("F16", .unsupportedDType, header: #"{"w":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}"#, data: eight,
          at: #""F16""#, tensor: "w"),
    .init("negative extent", .invalidShape, header: #"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#,
          data: eight, at: "-2", tensor: "w"),
    .init("fractional extent", .invalidShape, header: #"{"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#,
          data: eight, at: "2.0", tensor: "w"),
    .init("exponent extent", .invalidShape, header: #"{"w":{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}}"#,
          data: eight, at: "2e0", tensor: "w"),
    .init("boolean extent", .invalidShape, header: #"{"w":{"dtype":"F32","shape":[true],"data_offsets":[0,8]}}"#,
          data: eight, at: "true", tensor: "w"),
    .init("element count overflows", .invalidShape,
          header: #"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#,
          data: eight, at: "4294967296", after: "4294967296,", tensor: "w"),
    .init("no elements but overflowing extents", .invalidShape,
          header: #"{"w":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}}"#,
          at: "4294967296", after: "4294967296,", tensor: "w"),
    .init("extent beyond Int64", .invalidShape,
          header: #"{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}"#,
          data: eight, at: "9999", tensor: "w"),
    .init("one offset", .invalidOffsets, header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8]}}"#,
          data: eight, at: "[8]", tensor: "w"),
    .init("negative offset", .invalidOffsets, header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}"#,
          data: eight, at: "-8", tensor: "w"),
    .init("fractional offset", .invalidOffsets, header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8.5]}}"#,
          data: eight, at: "8.5", tensor: "w"),
    .init("begin after end", .reversedOffsets, header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#,
          data: eight, at: "[8,0]", tensor: "w"),
    .init("end past the data", .offsetsOutOfRange,
          header: #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: eight, at: "[0,16]", tensor: "w"),
    .init("huge range", .offsetsOutOfRange,
          header: #"{"w":{"dtype":"F64","shape":[1000000000000],"data_offsets":[0,8000000000000]}}"#, data: eight,
          at: "[0,", tensor: "w"),
    .init("overlapping tensors", .overlappingRanges,
          header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
          data: eight + [0, 0, 0, 0], at: "{", after: #""b":"#, tensor: "b"),
    .init("empty tensor inside another", .overlappingRanges,
          header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}"#,
          data: eight, at: "{", after: #""e":"#, tensor: "e"),
    .init("gap between tensors", .uncoveredData,
          header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
          data: eight + [0, 0, 0, 0], at: "{", after: #""b":"#, tensor: "b"),
    .init("bytes after the last tensor", .uncoveredData,
          bytes: SafetensorsFixture.file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: eight),
          offset: 8 + #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.utf8.count + 4),
    .init("shape needs more bytes", .byteCountMismatch,
          header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eight, at: "[0,8]", tensor: "w"),
    .init("F64 counted as F32", .byteCountMismatch,
          header: #"{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#, data: eight, at: "[0,8]", tensor: "w"),
    .init("metadata value not a string", .invalidMetadata,
          header: #"{"__metadata__":{"epoch":3},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
          data: eight, at: "3"),
    .init("checksum of other data", .checksumMismatch,
          header: #"{"__metadata__":{"data_checksum":"crc32c:00000000"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
          data: eight, at: nil),
    .init("checksum with 7 digits", .invalidMetadata,
          header: #"{"__metadata__":{"data_checksum":"crc32c:0000000"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
          data: eight, at: #""crc32c"#),
    .init("checksum not a string", .invalidMetadata,
          header: #"{"__metadata__":{"data_checksum":12},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
          data: eight, at: "12"),
    .init("metadata is a string", .invalidMetadata,
          header: #"{"__metadata__":"pt","w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
          data: eight, at: #""pt""#),
]

@Suite("Safetensors validation")
struct SafetensorsValidationTests {
    @Test(arguments: malformedFiles)
    func malformedFileIsRejected(_ malformed: MalformedSafetensors) {
        let error = #expect(throws: SafetensorsError.self) {
            try Safetensors(bytes: malformed.bytes, file: "bad.safetensors")
        }
        #expect(error?.kind == malformed.kind)
        #expect(error?.file == "bad.safetensors")
        if let offset = malformed.offset { #expect(error?.offset == offset) }
        if let tensor = malformed.tensor { #expect(error?.tensorName == tensor) }
        #expect(error?.description.hasPrefix("bad.safetensors: ") == true)
    }

    /// Every rule the reader checks has a malformed file above.
    @Test func everyReadingRuleHasACase() {
        let notReading: Set<SafetensorsError.Kind> = [
            .unreadableFile, .tensorNotFound, .dtypeMismatch, .reservedTensorName, .writeFailed,
        ]
        let covered = Set(malformedFiles.map(\.kind))
        let missing = SafetensorsError.Kind.allCases.filter { !notReading.contains($0) && !covered.contains($0) }
        #expect(missing.isEmpty, "no malformed file for \(missing)")
    }

    @Test func minimalFilesAreValid() throws {
        // The reference writer's output for no tensors, and a zero-length data section.
        let empty = try Safetensors(bytes: SafetensorsFixture.file(header: "{}      "))
        #expect(empty.tensorNames.isEmpty && empty.metadata.isEmpty)
        let nullMetadata = try Safetensors(bytes: SafetensorsFixture.file(header: #"{"__metadata__":null}"#))
        #expect(nullMetadata.metadata.isEmpty)
    }

    @Test func errorsFromFilesNameThePath() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("truncated.safetensors")
        try SafetensorsFixture.file(header: "{}", declaredLength: 64).write(to: url)
        let error = #expect(throws: SafetensorsError.self) { try Safetensors(contentsOf: url) }
        #expect(error?.kind == .headerLengthBeyondFile && error?.file == url.path)
        #expect(error?.description.contains(url.path) == true)
        let missing = folder.appendingPathComponent("absent.safetensors")
        let unreadable = #expect(throws: SafetensorsError.self) { try Safetensors(contentsOf: missing) }
        #expect(unreadable?.kind == .unreadableFile && unreadable?.file == missing.path)
        let directory = #expect(throws: SafetensorsError.self) { try Safetensors(contentsOf: folder) }
        #expect(directory?.kind == .unreadableFile && directory?.file == folder.path)
    }

    /// Every proper prefix of a valid file is invalid and must be reported, not crash.
    @Test func everyTruncationThrows() throws {
        var builder = SafetensorsBuilder(metadata: ["k": "v"])
        try builder.add(Tensor<Float>(shape: [3], scalars: [1, 2, 3]), named: "a")
        try builder.add(integers: [7], shape: [1], named: "b")
        let bytes = try builder.serialized()
        for length in 0..<bytes.count {
            #expect(throws: SafetensorsError.self, "prefix of \(length) bytes") {
                try Safetensors(bytes: bytes.prefix(length))
            }
        }
        #expect(try Safetensors(bytes: bytes).tensorNames == ["a", "b"])
    }

    /// Seeded random byte changes either still parse or throw a SafetensorsError; reaching
    /// the end of the loop shows none crashed or hung. With the checksum, every change that
    /// touches only the data section is caught as corrupt data.
    @Test(arguments: [true, false])
    func corruptedBytesNeverCrash(withChecksum: Bool) throws {
        var builder = SafetensorsBuilder(metadata: ["k": "v"])
        builder.includesDataChecksum = withChecksum
        try builder.add(Tensor<Double>(shape: [2, 2], scalars: [1, 2, 3, 4]), named: "weights")
        try builder.add(integers: [1, 2], shape: [2], named: "ids")
        let original = [UInt8](try builder.serialized())
        let dataStart = original.count - 48  // 4 F64 + 2 I64
        var generator = TensorRandomGenerator(seed: 4)
        var rejected = 0, dataOnlyChanges = 0
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            let dataOnly = bytes[..<dataStart] == original[..<dataStart] && bytes[dataStart...] != original[dataStart...]
            do {
                let file = try Safetensors(bytes: Data(bytes))
                #expect(!(withChecksum && dataOnly), "a data change was not detected")
                for name in file.tensorNames {
                    _ = try? file.tensor(named: name, as: Double.self)
                    _ = try? file.integers(named: name)
                }
            } catch let error as SafetensorsError {
                rejected += 1
                if dataOnly {
                    dataOnlyChanges += 1
                    #expect(error.kind == .checksumMismatch)
                }
            }
        }
        // Most changes hit the header or length; some land in the data, or in a name.
        #expect(rejected > 300 && rejected < 3000)
        #expect(withChecksum ? dataOnlyChanges > 100 : dataOnlyChanges == 0)
    }
}
