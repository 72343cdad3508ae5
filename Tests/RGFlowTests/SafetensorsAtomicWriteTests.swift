// The atomic checkpoint write: a failure at any step leaves the previous file byte for byte
// and no temporary file behind; success replaces the file in one step.

import Foundation
import Tensor
import Testing
@testable import RGFlow

@Suite("Safetensors atomic write")
struct SafetensorsAtomicWriteTests {
    /// A folder holding `checkpoint.safetensors` written from a known builder.
    private func folderWithCheckpoint() throws -> (folder: URL, file: URL, bytes: Data) {
        let folder = try SafetensorsFixture.temporaryFolder()
        let file = folder.appendingPathComponent("checkpoint.safetensors")
        var old = SafetensorsBuilder(metadata: ["step": "100"])
        try old.add(Tensor<Float>(shape: [4], scalars: [1, 2, 3, 4]), named: "w")
        try old.write(to: file)
        return (folder, file, try Data(contentsOf: file))
    }

    /// A newer checkpoint with several tensors, so a failure can strike between them.
    private func newBuilder() throws -> SafetensorsBuilder {
        var builder = SafetensorsBuilder(metadata: ["step": "200"])
        try builder.add(Tensor<Double>(repeating: 7, shape: [64, 64]), named: "a")
        try builder.add(Tensor<Float>(repeating: 8, shape: [1000]), named: "b")
        try builder.add(integers: [1, 2, 3], shape: [3], named: "c")
        return builder
    }

    private func contents(of folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test func successReplacesTheFileAndLeavesNoTemporary() throws {
        let (folder, file, oldBytes) = try folderWithCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let builder = try newBuilder()
        try builder.write(to: file)
        let newBytes = try Data(contentsOf: file)
        #expect(newBytes != oldBytes)
        #expect(newBytes == (try builder.serialized()))
        #expect(try Safetensors(contentsOf: file).metadata == ["step": "200"])
        #expect(try contents(of: folder) == ["checkpoint.safetensors"])
    }

    @Test(arguments: [SafetensorsBuilder.WriteFault.afterFirstTensor, .beforeRename])
    func injectedFailureKeepsTheOldFile(_ fault: SafetensorsBuilder.WriteFault) throws {
        let (folder, file, oldBytes) = try folderWithCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: SafetensorsError.self) {
            try newBuilder().write(to: file, injecting: fault)
        }
        #expect(error?.kind == .writeFailed && error?.file == file.path)
        #expect(try Data(contentsOf: file) == oldBytes)
        #expect(try contents(of: folder) == ["checkpoint.safetensors"])
    }

    /// A directory at the destination (which rename(2) could not replace) is refused before
    /// anything is written, and left as it was.
    @Test func directoryAtTheDestinationIsRefusedAndKept() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let destination = folder.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: destination.appendingPathComponent("inside.txt"))
        let error = #expect(throws: SafetensorsError.self) { try newBuilder().write(to: destination) }
        #expect(error?.kind == .writeFailed && error?.file == destination.path)
        #expect(try contents(of: folder) == ["occupied"])
        #expect(try Data(contentsOf: destination.appendingPathComponent("inside.txt")) == Data("keep".utf8))
    }

    @Test func missingDirectoryFailsWithoutCreatingAnything() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("absent/checkpoint.safetensors")
        let error = #expect(throws: SafetensorsError.self) { try newBuilder().write(to: file) }
        #expect(error?.kind == .writeFailed && error?.file == file.path)
        #expect(try contents(of: folder).isEmpty)
    }

    /// A directory that refuses the write keeps the old file whole. As a normal user the folder
    /// is made read-only by its permissions; root ignores those, so as root the folder is a
    /// tmpfs remounted read-only instead.
    @Test(.enabled(if: getuid() != 0 || ScratchFileSystem.isAvailable,
                   "running as root without mount(8): neither permissions nor a read-only mount can refuse the write"))
    func readOnlyDirectoryKeepsTheOldFile() throws {
        let (folder, file, oldBytes) = try folderWithCheckpoint()
        var mounted = false
        defer {
            if mounted { ScratchFileSystem.unmount(folder) }
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
            try? FileManager.default.removeItem(at: folder)
        }
        if getuid() == 0 {
            try #require(ScratchFileSystem.mount(at: folder, kilobytes: 256))
            mounted = true
            try oldBytes.write(to: file)
            try #require(ScratchFileSystem.mount(["mount", "-o", "remount,ro", folder.path]))
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder.path)
        }
        let error = #expect(throws: SafetensorsError.self) { try newBuilder().write(to: file) }
        #expect(error?.kind == .writeFailed)
        #expect(try Data(contentsOf: file) == oldBytes)
        #expect(try contents(of: folder) == ["checkpoint.safetensors"])
    }
}
