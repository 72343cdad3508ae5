// Removing the temporaries a killed writer leaves behind: exactly the writer's own names,
// regular files only, and never anything that merely looks like one.

import Foundation
import Tensor
import Testing
@testable import RGFlow

@Suite("Safetensors stale temporaries")
struct SafetensorsStaleTemporariesTests {
    private let uuid = "E621E1F8-C36C-495A-93FC-0C247A3E6E5F"

    private func builder(step: Int) throws -> SafetensorsBuilder {
        var builder = SafetensorsBuilder(metadata: ["step": "\(step)"])
        try builder.add(Tensor<Float>(repeating: Float(step), shape: [256]), named: "w")
        return builder
    }

    private func contents(of folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    /// A writer "killed" after flushing its temporary, for two destinations; cleaning removes
    /// both temporaries and keeps the checkpoints, which still load.
    @Test func killedWritesAreCleanedUp() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let names = ["checkpoint.safetensors", "epoch 2 é.safetensors"]
        for name in names {
            let url = folder.appendingPathComponent(name)
            try builder(step: 1).write(to: url)
            #expect(throws: SafetensorsError.self) { try builder(step: 2).write(to: url, injecting: .killedBeforeRename) }
        }
        let left = try contents(of: folder).filter { !names.contains($0) }
        #expect(left.count == 2)
        #expect(left.allSatisfy { $0.hasPrefix(".") && $0.hasSuffix(".tmp") })

        let removed = try SafetensorsBuilder.removeStaleTemporaries(in: folder)
        #expect(removed.map(\.lastPathComponent) == left.sorted())
        #expect(removed.allSatisfy { $0.deletingLastPathComponent().standardizedFileURL == folder.standardizedFileURL })
        #expect(try contents(of: folder) == names.sorted())
        for name in names {
            #expect(try Safetensors(contentsOf: folder.appendingPathComponent(name)).metadata == ["step": "1"])
        }
        #expect(try SafetensorsBuilder.removeStaleTemporaries(in: folder).isEmpty)
    }

    /// Names close to the pattern, and things of the right name that are not regular files.
    @Test func lookalikesAreLeftAlone() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let lookalikes = [
            "model.safetensors", "notes.txt", ".model.safetensors.tmp", "model.safetensors.\(uuid).tmp",
            ".\(uuid).tmp", "..\(uuid).tmp", ".model.\(uuid.lowercased()).tmp", ".model.\(uuid).tmp.bak",
            ".model.\(uuid)tmp", ".model.\(uuid).TMP", ".model-\(uuid).tmp", ".model.\(uuid.dropLast()).tmp",
            ".model.\(uuid)0.tmp", ".model." + uuid.replacingOccurrences(of: "-", with: "0") + ".tmp",
            ".model.E621E1F8C-36C-495A-93FC-0C247A3E6E5F.tmp", ".model.G621E1F8-C36C-495A-93FC-0C247A3E6E5F.tmp",
        ]
        for name in lookalikes {
            try Data(name.utf8).write(to: folder.appendingPathComponent(name))
        }
        let directory = ".model.\(uuid).tmp"
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(directory), withIntermediateDirectories: false)
        let link = ".link.\(uuid).tmp"
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent(link).path,
                                                   withDestinationPath: folder.appendingPathComponent("notes.txt").path)
        let genuine = ".model.safetensors.\(uuid).tmp"
        try Data("partial".utf8).write(to: folder.appendingPathComponent(genuine))

        let removed = try SafetensorsBuilder.removeStaleTemporaries(in: folder)
        #expect(removed.map(\.lastPathComponent) == [genuine])
        #expect(try contents(of: folder) == (lookalikes + [directory, link]).sorted())
        for name in lookalikes {
            #expect(try Data(contentsOf: folder.appendingPathComponent(name)) == Data(name.utf8))
        }
    }

    @Test func theWritersNamesMatchAndOthersDoNot() {
        for name in ["m", "checkpoint.safetensors", "a.b.c", "é 漢.safetensors", ".hidden", "x.tmp"] {
            let temporary = SafetensorsBuilder.temporaryName(for: name)
            #expect(temporary.hasPrefix(".\(name).") && temporary.hasSuffix(".tmp"))
            #expect(SafetensorsBuilder.isTemporaryName(temporary), "\(temporary)")
        }
        #expect(SafetensorsBuilder.temporaryName(for: "m") != SafetensorsBuilder.temporaryName(for: "m"))
        #expect(!SafetensorsBuilder.isTemporaryName(""))
        #expect(!SafetensorsBuilder.isTemporaryName(".tmp"))
    }

    @Test func missingFolderHasNothingAndAFileIsRefused() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try SafetensorsBuilder.removeStaleTemporaries(in: folder.appendingPathComponent("absent")).isEmpty)
        let file = folder.appendingPathComponent("notes.txt")
        try Data("text".utf8).write(to: file)
        let error = #expect(throws: SafetensorsError.self) { try SafetensorsBuilder.removeStaleTemporaries(in: file) }
        #expect(error?.kind == .unreadableFile && error?.file == file.path)
        #expect(error?.description == "\(file.path): cannot read safetensors file: is a file, expected a directory to clean up")
        #expect(try Data(contentsOf: file) == Data("text".utf8))
    }
}
