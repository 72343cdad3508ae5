// Writing any run file (history, report, loss curve, figures) as the checkpoints are written:
// a temporary beside the destination, flushed, renamed over it; and making folders with
// errors that name the path in plain words.

import Foundation

/// A file that could not be written or a folder that could not be made, with the path and the
/// reason in plain words.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    /// `"{path}: cannot write: {reason}"` or `"{path}: cannot make the folder: {reason}"`.
    public let description: String
}

/// Atomic replacement of small files, and folder creation, for everything a run writes.
///
/// The temporary is named like the safetensors writer's (`.{name}.{UUID}.tmp`), so
/// ``SafetensorsBuilder/removeStaleTemporaries(in:)`` clears what a killed run left behind in
/// any of a run's folders.
public enum AtomicFile {
    /// Writes `data` to `url`: readers see the old file or the whole new one, never a part.
    ///
    /// - Throws: ``FileWriteError`` naming `url` (a missing or non-folder parent, a full disk,
    ///   permission, a directory in the way).
    public static func write(_ data: Data, to url: URL) throws {
        let destination = url.path, directory = url.deletingLastPathComponent().path
        func failure(_ reason: String) -> FileWriteError { FileWriteError(description: "\(destination): cannot write: \(reason)") }
        if FileKind(path: destination) == .directory { throw failure("it is a folder") }
        if let file = ancestorThatIsNotADirectory(of: destination) { throw failure("\(file) is a file, not a folder") }
        let temporary = (directory as NSString).appendingPathComponent(SafetensorsBuilder.temporaryName(for: url.lastPathComponent))
        let file: WritableFile
        do {
            file = try WritableFile(creating: temporary)
        } catch {
            throw failure(error.code == ENOENT ? "the folder \(directory) does not exist" : error.phrase)
        }
        let bytes = [UInt8](data)
        do {
            try bytes.withUnsafeBytes { try file.write($0) }
            try file.synchronize()
            try file.close()
            try renameFile(temporary, to: destination)
        } catch let error as SystemCallFailure {
            try? removeFile(temporary)
            throw failure(error.phrase)
        }
        synchronizeDirectory(directory)
    }

    /// Makes the folder `url` and its parents (nothing happens when it exists).
    ///
    /// - Throws: ``FileWriteError`` naming the path when a part of it is a file, or the file
    ///   system refuses (permission, read-only, full).
    public static func makeFolder(_ url: URL) throws(FileWriteError) {
        let path = url.standardizedFileURL.path
        func failure(_ reason: String) -> FileWriteError {
            FileWriteError(description: "\(path): cannot make the folder: \(reason)")
        }
        switch FileKind(path: path) {
        case .directory: return
        case .missing: break
        default: throw failure("a file of that name exists")
        }
        if let file = ancestorThatIsNotADirectory(of: path) { throw failure("\(file) is a file, not a folder") }
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if FileKind(path: prefix) == .directory { continue }
            guard mkdir(prefix, 0o777) == 0 || errno == EEXIST else { throw failure(SystemCallFailure.current.phrase) }
        }
    }
}
