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
    /// failure the destination is untouched and the temporary file is removed. Tensors are
    /// written straight from their storage, without assembling the file in memory.
    ///
    /// - Throws: ``SafetensorsError`` with ``SafetensorsError/Kind/writeFailed`` naming `url`
    ///   (the directory is missing or not writable, the disk is full, ...), or
    ///   ``SafetensorsError/Kind/headerTooLarge``.
    public func write(to url: URL) throws {
        try write(to: url, injecting: nil)
    }

    /// A point at which a test makes the write fail, to check what is left behind.
    enum WriteFault: Sendable, Equatable {
        /// After the header and the first tensor's bytes reach the temporary file.
        case afterFirstTensor
        /// After the temporary file is complete and flushed, just before the rename.
        case beforeRename
    }

    /// ``write(to:)`` with an optional simulated failure (for tests).
    func write(to url: URL, injecting fault: WriteFault?) throws {
        let destination = url.path
        let layout = try makeLayout(file: destination)
        let directory = url.deletingLastPathComponent()
        // Hidden, unique, and in the destination's directory so that rename stays atomic.
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        func failure(_ reason: String) -> SafetensorsError {
            SafetensorsError(.writeFailed, file: destination, reason: reason)
        }
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw failure("cannot create the temporary file \(temporary.path) "
                + "(expected an existing, writable directory \(directory.path))")
        }
        do {
            try writeContents(layout, to: temporary, destination: destination, injecting: fault)
            if fault == .beforeRename { throw failure("simulated failure before the rename") }
            try replace(destination: url, with: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw (error as? SafetensorsError) ?? failure("\(error.localizedDescription)")
        }
        synchronizeDirectory(directory)
    }

    /// Writes the prefix and every tensor to `temporary`, then flushes it to disk.
    private func writeContents(_ layout: Layout, to temporary: URL, destination: String,
                               injecting fault: WriteFault?) throws {
        let handle: FileHandle
        do {
            handle = try FileHandle(forWritingTo: temporary)
        } catch {
            throw SafetensorsError(.writeFailed, file: destination,
                                   reason: "cannot open the temporary file \(temporary.path): \(error.localizedDescription)")
        }
        do {
            try handle.write(contentsOf: layout.prefix)
            for (index, (_, entry)) in layout.entries.enumerated() {
                try entry.payload.withLittleEndianBytes { try handle.write(contentsOf: $0) }
                if index == 0, fault == .afterFirstTensor {
                    throw SafetensorsError(.writeFailed, file: destination, reason: "simulated failure after the first tensor")
                }
            }
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
    }

    /// Renames `temporary` over `destination` in one step (`rename(2)` replaces an existing
    /// file atomically; `FileManager.moveItem` would refuse to, and remove-then-move would
    /// leave a moment with no file).
    private func replace(destination: URL, with temporary: URL) throws {
        let status = temporary.withUnsafeFileSystemRepresentation { from in
            destination.withUnsafeFileSystemRepresentation { to -> Int32 in
                guard let from, let to else { return -1 }
                return rename(from, to)
            }
        }
        if status != 0 {
            let reason = String(cString: strerror(errno))
            throw SafetensorsError(.writeFailed, file: destination.path,
                                   reason: "cannot rename the temporary file into place: \(reason)")
        }
    }

    /// Flushes the directory entry of the rename to disk, so that after a power loss the
    /// destination holds the new file rather than possibly the old one. Best effort: the
    /// replacement is already atomic, and not every platform can open a directory this way.
    private func synchronizeDirectory(_ directory: URL) {
        guard let handle = FileHandle(forReadingAtPath: directory.path) else { return }
        try? handle.synchronize()
        try? handle.close()
    }
}
