// Writing a safetensors file atomically: a temporary file in the same directory, flushed to
// disk, then renamed over the destination, so a crash never leaves a truncated checkpoint.

import Foundation

extension SafetensorsBuilder {
    /// Writes the file to `url` atomically.
    ///
    /// The bytes go to a temporary file next to `url` (same directory, so the same file
    /// system), which is flushed to disk (`fsync`) and then renamed over `url` with
    /// `rename(2)`, an atomic replacement: readers see either the old file or the complete new
    /// one, and a crash at any moment leaves no truncated file under the final name. On any
    /// failure the destination is untouched and the temporary file is removed; only a process
    /// killed while writing leaves its temporary behind, for
    /// ``removeStaleTemporaries(in:)``. Tensors are written straight from their storage,
    /// without assembling the file in memory.
    ///
    /// - Throws: ``SafetensorsError`` with ``SafetensorsError/Kind/writeFailed`` naming `url`
    ///   and the cause in words (the directory does not exist or is a file, `url` is a
    ///   directory, permission denied, no space left on device, ...), or the errors of
    ///   ``serialized()``.
    public func write(to url: URL) throws {
        try write(to: url, injecting: nil)
    }

    /// A point at which a test makes the write fail, to check what is left behind.
    enum WriteFault: Sendable, Equatable {
        /// After the header and the first tensor's bytes reach the temporary file.
        case afterFirstTensor
        /// After the temporary file is complete and flushed, just before the rename.
        case beforeRename
        /// As `beforeRename`, but nothing is cleaned up, as when the process is killed there.
        case killedBeforeRename
    }

    /// ``write(to:)`` with an optional simulated failure (for tests).
    func write(to url: URL, injecting fault: WriteFault?) throws {
        let destination = url.path
        guard url.isFileURL else {
            throw SafetensorsError(.writeFailed, file: url.absoluteString,
                                   reason: "expected a file URL (a local path), found scheme \"\(url.scheme ?? "")\"")
        }
        let layout = try makeLayout(file: destination)
        let directory = url.deletingLastPathComponent().path
        func failure(_ reason: String) -> SafetensorsError {
            SafetensorsError(.writeFailed, file: destination, reason: reason)
        }
        // Checked first so a large write is not made only for the rename to refuse it.
        if FileKind(path: destination) == .directory {
            throw failure("is a directory, expected a file path to write to")
        }
        let temporary = (directory as NSString).appendingPathComponent(Self.temporaryName(for: url.lastPathComponent))
        let file: WritableFile
        do {
            file = try WritableFile(creating: temporary)
        } catch {
            throw failure(Self.describeCreationFailure(error, in: directory))
        }
        do {
            try writeContents(layout, to: file, destination: destination, injecting: fault)
            if fault == .killedBeforeRename { throw failure("simulated kill before the rename") }
            if fault == .beforeRename { throw failure("simulated failure before the rename") }
            do {
                try renameFile(temporary, to: destination)
            } catch {
                // EISDIR: a directory appeared at the destination since the check above.
                throw failure(error.code == EISDIR ? "is a directory, expected a file path to write to"
                    : "cannot rename the temporary file into place: \(error.phrase)")
            }
        } catch {
            if fault != .killedBeforeRename { try? removeFile(temporary) }
            if let step = error as? WriteStepFailure { throw failure(step.reason(writingTo: temporary)) }
            throw error
        }
        synchronizeDirectory(directory)
    }

    /// Writes the prefix and every tensor to `file`, flushes it to disk and closes it.
    private func writeContents(_ layout: Layout, to file: WritableFile, destination: String,
                               injecting fault: WriteFault?) throws {
        var written = 0
        do {
            try layout.prefix.withUnsafeBytes { try file.write($0) }
            written = layout.prefix.count
            for (index, (_, entry)) in layout.entries.enumerated() {
                try entry.payload.withLittleEndianBytes { try file.write($0) }
                written += entry.byteCount
                if index == 0, fault == .afterFirstTensor {
                    throw SafetensorsError(.writeFailed, file: destination, reason: "simulated failure after the first tensor")
                }
            }
        } catch let failure as SystemCallFailure {
            throw WriteStepFailure(step: .writing(written: written, total: layout.fileSize), failure: failure)
        }
        do { try file.synchronize() } catch { throw WriteStepFailure(step: .flushing, failure: error) }
        do { try file.close() } catch { throw WriteStepFailure(step: .closing, failure: error) }
    }

    /// Why the temporary file could not be created, naming the directory's problem.
    static func describeCreationFailure(_ failure: SystemCallFailure, in directory: String) -> String {
        switch failure.code {
        case ENOENT:
            return "the directory \(directory) does not exist"
        case ENOTDIR:
            let file = FileKind(path: directory) == .missing ? ancestorThatIsNotADirectory(of: directory) : directory
            return "\(file ?? directory) is a file, not a directory"
        case EACCES, EPERM:
            return "permission denied: cannot create a file in \(directory)"
        case EROFS:
            return "\(directory) is on a read-only file system"
        default:
            return "cannot create a temporary file in \(directory): \(failure.phrase)"
        }
    }
}

/// A failed step of writing the temporary file.
struct WriteStepFailure: Error {
    enum Step {
        case writing(written: Int, total: Int)
        case flushing
        case closing
    }

    let step: Step
    let failure: SystemCallFailure

    /// The message, e.g. "no space left on device after writing 4096 of 10000 bytes".
    func reason(writingTo temporary: String) -> String {
        let name = (temporary as NSString).lastPathComponent
        let cause = failure.phrase
        switch step {
        case .writing(let written, let total):
            return "\(cause) after writing \(written) of \(total) bytes to the temporary file \(name); the destination is unchanged"
        case .flushing:
            return "\(cause) while flushing the temporary file \(name) to disk; the destination is unchanged"
        case .closing:
            return "\(cause) while closing the temporary file \(name); the destination is unchanged"
        }
    }
}
