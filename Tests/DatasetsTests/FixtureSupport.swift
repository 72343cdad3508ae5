// Shared test helpers: locating the committed fixtures, reading their manifest and raw
// expectation files, and checking that a call throws the DatasetError we expect.

import Datasets
import Foundation
import Testing

/// The fixtures folder beside this file, made by Fixtures/make_fixtures.py.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func fixtureURL(_ relativePath: String) -> URL {
    fixturesDirectory.appendingPathComponent(relativePath)
}

func fixtureBytes(_ relativePath: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: fixtureURL(relativePath)))
}

/// Little-endian float32 values written by numpy's `tofile`.
func fixtureFloats(_ relativePath: String) throws -> [Float] {
    let bytes = try fixtureBytes(relativePath)
    return stride(from: 0, to: bytes.count, by: 4).map { offset in
        Float(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24)
    }
}

/// One image fixture of manifest.json.
struct ImageFixture: Decodable, CustomTestStringConvertible, Sendable {
    let file: String
    let expected: String
    let width: Int
    let height: Int
    let channels: Int
    let bitDepth: Int

    var testDescription: String { file }

    /// The expected samples: bytes, or big-endian 16-bit values.
    func expectedSamples(kind: String) throws -> [UInt16] {
        let bytes = try fixtureBytes("\(kind)/\(expected)")
        if bitDepth == 16 {
            return stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        }
        return bytes.map(UInt16.init)
    }
}

struct FixtureManifest: Decodable {
    let png: [ImageFixture]
    let jpeg: [ImageFixture]

    static let shared: FixtureManifest = {
        // The manifest is committed beside the fixtures; a missing one is a broken checkout.
        let data = try! Data(contentsOf: fixtureURL("manifest.json"))
        return try! JSONDecoder().decode(FixtureManifest.self, from: data)
    }()
}

/// Runs `body`, which must throw a ``DatasetError``; returns it (or records a failure).
@discardableResult
func expectDatasetError(_ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                        _ body: () throws -> Void) -> DatasetError? {
    do {
        try body()
        Issue.record("expected a DatasetError, nothing was thrown. \(comment?.description ?? "")", sourceLocation: sourceLocation)
    } catch let error as DatasetError {
        return error
    } catch {
        Issue.record("expected a DatasetError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Checks that `error` is a malformed-data error about `file` whose reason mentions every
/// one of `words` (case-insensitively).
func expectMalformed(_ error: DatasetError?, file: String, mentioning words: [String] = [],
                     sourceLocation: SourceLocation = #_sourceLocation) {
    guard case let .malformed(errorFile, _, _, reason)? = error else {
        Issue.record("expected .malformed, got \(String(describing: error))", sourceLocation: sourceLocation)
        return
    }
    #expect(errorFile == file, sourceLocation: sourceLocation)
    for word in words {
        #expect(reason.lowercased().contains(word.lowercased()), "reason \"\(reason)\" should mention \"\(word)\"",
                sourceLocation: sourceLocation)
    }
}

/// A fresh empty temporary folder, removed by the caller with `removeTemporaryFolder`.
func makeTemporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("DatasetsTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func copyFixture(_ relativePath: String, to destination: URL) throws {
    try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: fixtureURL(relativePath), to: destination)
}
