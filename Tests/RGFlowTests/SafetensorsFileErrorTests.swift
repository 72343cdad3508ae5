// What a person sees when a safetensors file cannot be read or written: one line naming the
// file and the cause in our own words, for each cause this machine can produce.

import Foundation
import Tensor
import Testing
@testable import RGFlow

/// A small tmpfs mounted over a test's folder, to fill it up or make it read-only.
enum ScratchFileSystem {
    static let unavailable = "mounting a tmpfs needs root and a system that allows mount(8) here"

    @discardableResult
    static func mount(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Mounts a tmpfs of `kilobytes` at `folder`.
    static func mount(at folder: URL, kilobytes: Int) -> Bool {
        mount(["mount", "-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", folder.path])
    }

    static func unmount(_ folder: URL) { mount(["umount", folder.path]) }

    static let isAvailable: Bool = {
        guard getuid() == 0, let probe = try? SafetensorsFixture.temporaryFolder() else { return false }
        defer { try? FileManager.default.removeItem(at: probe) }
        guard mount(at: probe, kilobytes: 64) else { return false }
        unmount(probe)
        return true
    }()
}

private func smallBuilder() throws -> SafetensorsBuilder {
    var builder = SafetensorsBuilder(metadata: ["step": "1"])
    try builder.add(Tensor<Float>(shape: [4], scalars: [1, 2, 3, 4]), named: "w")
    return builder
}

/// Reads `url` and returns the error's one line, checking it is a SafetensorsError naming
/// the path.
private func readError(_ url: URL, kind: SafetensorsError.Kind = .unreadableFile) -> String? {
    let error = #expect(throws: SafetensorsError.self) { try Safetensors(contentsOf: url) }
    #expect(error?.kind == kind && error?.file == url.path)
    return error?.description
}

private func writeError(_ builder: SafetensorsBuilder, to url: URL) -> String? {
    let error = #expect(throws: SafetensorsError.self) { try builder.write(to: url) }
    #expect(error?.kind == .writeFailed && error?.file == url.path)
    return error?.description
}

@Suite("Safetensors file errors")
struct SafetensorsFileErrorTests {
    // MARK: Reading

    @Test func readingExplainsWhatThePathIs() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let prefix = "cannot read safetensors file"

        let missing = folder.appendingPathComponent("absent.safetensors")
        #expect(readError(missing) == "\(missing.path): \(prefix): no such file")

        #expect(readError(folder) == "\(folder.path): \(prefix): is a directory, expected a safetensors file")

        let notes = folder.appendingPathComponent("notes.txt")
        try Data("text".utf8).write(to: notes)
        let underFile = notes.appendingPathComponent("model.safetensors")
        #expect(readError(underFile) == "\(underFile.path): \(prefix): no such file (\(notes.path) is a file, not a directory)")

        // A FIFO would block a plain open until a writer came; it is refused at once.
        let fifo = folder.appendingPathComponent("pipe.safetensors")
        try #require(mkfifo(fifo.path, 0o600) == 0)
        #expect(readError(fifo) == "\(fifo.path): \(prefix): is not a regular file (a device, FIFO or socket), expected a safetensors file")
        let device = URL(fileURLWithPath: "/dev/null")
        #expect(readError(device) == "/dev/null: \(prefix): is not a regular file (a device, FIFO or socket), expected a safetensors file")

        let remote = try #require(URL(string: "https://example.com/model.safetensors"))
        let notLocal = #expect(throws: SafetensorsError.self) { try Safetensors(contentsOf: remote) }
        #expect(notLocal?.description
            == "https://example.com/model.safetensors: \(prefix): expected a file URL (a local path), found scheme \"https\"")

        let loop = folder.appendingPathComponent("loop.safetensors")
        try FileManager.default.createSymbolicLink(atPath: loop.path, withDestinationPath: loop.path)
        #expect(readError(loop) == "\(loop.path): \(prefix): too many levels of symbolic links")
    }

    @Test func shortFilesAreTooShort() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for length in [0, 5] {
            let url = folder.appendingPathComponent("short-\(length).safetensors")
            try Data(repeating: 1, count: length).write(to: url)
            #expect(readError(url, kind: .fileTooShort)
                == "\(url.path): byte 0: file too short: expected at least 8 bytes (the header length), found \(length)")
        }
    }

    @Test(.enabled(if: getuid() != 0, "root reads files whatever their permissions, so none can be denied to it"))
    func unreadableFileIsPermissionDenied() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("locked.safetensors")
        try smallBuilder().write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: url.path)
        #expect(readError(url) == "\(url.path): cannot read safetensors file: permission denied")
    }

    // MARK: Writing

    @Test func writingExplainsWhatIsWrongWithTheDestination() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let builder = try smallBuilder()
        let prefix = "cannot write safetensors file"

        let absent = folder.appendingPathComponent("absent")
        let inAbsent = absent.appendingPathComponent("model.safetensors")
        #expect(writeError(builder, to: inAbsent) == "\(inAbsent.path): \(prefix): the directory \(absent.path) does not exist")

        let notes = folder.appendingPathComponent("notes.txt")
        try Data("text".utf8).write(to: notes)
        for url in [notes.appendingPathComponent("model.safetensors"),
                    notes.appendingPathComponent("deeper/model.safetensors")] {
            #expect(writeError(builder, to: url) == "\(url.path): \(prefix): \(notes.path) is a file, not a directory")
        }

        let remote = try #require(URL(string: "https://example.com/model.safetensors"))
        let notLocal = #expect(throws: SafetensorsError.self) { try builder.write(to: remote) }
        #expect(notLocal?.description
            == "https://example.com/model.safetensors: \(prefix): expected a file URL (a local path), found scheme \"https\"")

        let directory = folder.appendingPathComponent("model.safetensors")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        #expect(writeError(builder, to: directory) == "\(directory.path): \(prefix): is a directory, expected a file path to write to")

        // Nothing was created anywhere, and the file and the directory are as they were.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["model.safetensors", "notes.txt"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        #expect(try Data(contentsOf: notes) == Data("text".utf8))
    }

    /// /dev/full fails every write with ENOSPC, as a full disk does.
    @Test func aFullDeviceIsNoSpaceLeft() throws {
        let file = try WritableFile(existing: "/dev/full")
        let failure = #expect(throws: SystemCallFailure.self) {
            try [UInt8](repeating: 7, count: 4096).withUnsafeBytes { try file.write($0) }
        }
        #expect(failure?.code == ENOSPC && failure?.phrase == "no space left on device")
        let step = WriteStepFailure(step: .writing(written: 4096, total: 10000), failure: SystemCallFailure(code: ENOSPC))
        #expect(step.reason(writingTo: "/data/.model.safetensors.X.tmp")
            == "no space left on device after writing 4096 of 10000 bytes to the temporary file "
                + ".model.safetensors.X.tmp; the destination is unchanged")
    }

    @Test(.enabled(if: ScratchFileSystem.isAvailable, "\(ScratchFileSystem.unavailable)"))
    func fullDiskKeepsTheOldFile() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try #require(ScratchFileSystem.mount(at: folder, kilobytes: 64))
        defer { ScratchFileSystem.unmount(folder) }
        let url = folder.appendingPathComponent("checkpoint.safetensors")
        try smallBuilder().write(to: url)
        let oldBytes = try Data(contentsOf: url)
        var big = SafetensorsBuilder()
        try big.add(Tensor<Double>(repeating: 1, shape: [32768]), named: "big")  // 256 KiB on a 64 KiB disk
        let total = try big.serialized().count
        let message = try #require(writeError(big, to: url))
        #expect(message.hasPrefix("\(url.path): cannot write safetensors file: no space left on device after writing "))
        #expect(message.contains(" of \(total) bytes to the temporary file .checkpoint.safetensors."))
        #expect(message.hasSuffix(".tmp; the destination is unchanged"))
        #expect(try Data(contentsOf: url) == oldBytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["checkpoint.safetensors"])
    }

    @Test(.enabled(if: ScratchFileSystem.isAvailable, "\(ScratchFileSystem.unavailable)"))
    func readOnlyFileSystemIsNamed() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try #require(ScratchFileSystem.mount(at: folder, kilobytes: 64))
        defer { ScratchFileSystem.unmount(folder) }
        let url = folder.appendingPathComponent("checkpoint.safetensors")
        try smallBuilder().write(to: url)
        try #require(ScratchFileSystem.mount(["mount", "-o", "remount,ro", folder.path]))
        #expect(writeError(try smallBuilder(), to: url)
            == "\(url.path): cannot write safetensors file: \(folder.path) is on a read-only file system")
        #expect(try Safetensors(contentsOf: url).metadata == ["step": "1"])
    }

    @Test(.enabled(if: getuid() != 0, "root writes into any directory whatever its permissions, so none can be denied to it"))
    func unwritableDirectoryIsPermissionDenied() throws {
        let folder = try SafetensorsFixture.temporaryFolder()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
            try? FileManager.default.removeItem(at: folder)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder.path)
        let url = folder.appendingPathComponent("model.safetensors")
        #expect(writeError(try smallBuilder(), to: url)
            == "\(url.path): cannot write safetensors file: permission denied: cannot create a file in \(folder.path)")
    }
}
