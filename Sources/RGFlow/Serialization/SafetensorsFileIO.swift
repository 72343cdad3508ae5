// The POSIX calls behind safetensors reading and writing, each failure kept as its errno so
// that messages are our own fixed words rather than Foundation's or the C library's text.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A failed system call: its `errno`.
struct SystemCallFailure: Error, Sendable, Equatable {
    let code: Int32

    /// The `errno` of the call that just failed.
    static var current: SystemCallFailure { SystemCallFailure(code: errno) }

    /// The failure in plain words, the same on every machine and locale.
    var phrase: String {
        switch code {
        case ENOENT: "no such file or directory"
        case EACCES, EPERM: "permission denied"
        case EISDIR: "is a directory"
        case ENOTDIR: "a component of the path is not a directory"
        case ENOSPC: "no space left on device"
        case EDQUOT: "disk quota exceeded"
        case EROFS: "read-only file system"
        case EFBIG: "file too large for the file system or the process's file size limit"
        case EIO: "input/output error (the disk or file system reported a failure)"
        case ELOOP: "too many levels of symbolic links"
        case ENAMETOOLONG: "file name too long"
        case EMFILE, ENFILE: "too many open files"
        case ENOMEM: "out of memory"
        case EEXIST: "file exists"
        case ENOTEMPTY: "directory not empty"
        case EBUSY: "device or resource busy"
        case EXDEV: "on another file system"
        default: "system error \(code)"
        }
    }
}

/// What a path names, by `stat(2)` (following symbolic links) or `lstat(2)` (not).
enum FileKind: Sendable, Equatable {
    /// Nothing there, or nothing that can be looked at (`stat` failed).
    case missing
    case regular
    case directory
    case symbolicLink
    /// A device, FIFO or socket.
    case other

    init(path: String, followingLinks: Bool = true) {
        var status = stat()
        let result = followingLinks ? stat(path, &status) : lstat(path, &status)
        guard result == 0 else { self = .missing; return }
        self = FileKind(mode: status.st_mode)
    }

    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        default: self = .other
        }
    }
}

/// The nearest ancestor of `path` that exists but is not a directory (the reason an open
/// failed with ENOTDIR), if there is one.
func ancestorThatIsNotADirectory(of path: String) -> String? {
    var ancestor = URL(fileURLWithPath: path).deletingLastPathComponent()
    while ancestor.path != "/" && !ancestor.path.isEmpty {
        switch FileKind(path: ancestor.path) {
        case .directory: return nil
        case .missing: ancestor = ancestor.deletingLastPathComponent()
        case .regular, .symbolicLink, .other: return ancestor.path
        }
    }
    return nil
}

// The C calls under names that the file types' own methods (`read`, `close`) cannot shadow.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
private func systemClose(_ descriptor: Int32) -> Int32 { close(descriptor) }

/// Single system calls are capped below 2 GiB (Linux transfers at most 0x7FFFF000 bytes).
private let largestTransfer = 1 << 30

/// A regular file opened for reading, closed when the value goes away.
struct ReadableFile: ~Copyable {
    private let descriptor: Int32
    /// The size `fstat(2)` gave when the file was opened.
    let size: Int

    /// Opens the regular file at `path`.
    ///
    /// - Throws: the failure in words (no such file, is a directory, ...).
    init(path: String) throws(ReadFailure) {
        // O_NONBLOCK so that a FIFO is refused below instead of blocking open until a writer
        // appears; it changes nothing for regular files.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw ReadFailure(opening: path, SystemCallFailure.current) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let failure = SystemCallFailure.current
            _ = systemClose(descriptor)
            throw ReadFailure(failure.phrase)
        }
        let kind = FileKind(mode: status.st_mode)
        guard kind == .regular else {
            _ = systemClose(descriptor)
            throw ReadFailure(kind == .directory ? "is a directory, expected a safetensors file"
                : "is not a regular file (a device, FIFO or socket), expected a safetensors file")
        }
        self.descriptor = descriptor
        self.size = Int(status.st_size)
    }

    deinit { _ = systemClose(descriptor) }

    /// Reads exactly `count` bytes from the current position.
    func read(_ count: Int) throws(ReadFailure) -> Data {
        var data = Data(count: count)
        let descriptor = self.descriptor
        let failure: ReadFailure? = data.withUnsafeMutableBytes { buffer in
            var filled = 0
            while filled < count {
                let result = systemRead(descriptor, buffer.baseAddress! + filled, min(count - filled, largestTransfer))
                if result < 0 {
                    if errno == EINTR { continue }
                    return ReadFailure("read error: \(SystemCallFailure.current.phrase)")
                }
                // The size was taken by fstat, so an early end means the file shrank.
                if result == 0 {
                    return ReadFailure("expected \(count - filled) more bytes, the file ended early "
                        + "(did it change while being read?)")
                }
                filled += result
            }
            return nil
        }
        if let failure { throw failure }
        return data
    }
}

/// Why a file could not be read, in words that follow the path in a message.
struct ReadFailure: Error, Sendable {
    let reason: String

    init(_ reason: String) { self.reason = reason }

    init(opening path: String, _ failure: SystemCallFailure) {
        switch failure.code {
        case ENOENT: reason = "no such file"
        case ENOTDIR:
            reason = "no such file"
                + (ancestorThatIsNotADirectory(of: path).map { " (\($0) is a file, not a directory)" } ?? "")
        case EISDIR: reason = "is a directory, expected a safetensors file"
        default: reason = failure.phrase
        }
    }
}

/// A new file opened for writing; ``close()`` reports what the file system reports at close,
/// and a file not closed explicitly (after a failure) is closed when the object goes away.
final class WritableFile {
    private var descriptor: Int32

    /// Creates the file at `path`, which must not exist (`O_EXCL`), readable and writable as
    /// the umask allows.
    init(creating path: String) throws(SystemCallFailure) {
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw SystemCallFailure.current }
    }

    /// Opens the file or device at `path` for writing (tests use `/dev/full`).
    init(existing path: String) throws(SystemCallFailure) {
        descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SystemCallFailure.current }
    }

    deinit {
        if descriptor >= 0 { _ = systemClose(descriptor) }
    }

    /// Writes all of `bytes`, continuing after short writes and interruptions.
    func write(_ bytes: UnsafeRawBufferPointer) throws(SystemCallFailure) {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let result = systemWrite(descriptor, pointer, min(remaining, largestTransfer))
            if result < 0 {
                if errno == EINTR { continue }
                throw SystemCallFailure.current
            }
            pointer += result
            remaining -= result
        }
    }

    /// Flushes the file's data and size to the disk (`fsync(2)`).
    func synchronize() throws(SystemCallFailure) {
        guard fsync(descriptor) == 0 else { throw SystemCallFailure.current }
    }

    /// Closes the file; network and some local file systems report a failed write only here.
    func close() throws(SystemCallFailure) {
        let closing = descriptor
        descriptor = -1
        guard systemClose(closing) == 0 else { throw SystemCallFailure.current }
    }
}

/// Renames `source` to `destination`, replacing a file there in one step (`rename(2)`).
func renameFile(_ source: String, to destination: String) throws(SystemCallFailure) {
    guard rename(source, destination) == 0 else { throw SystemCallFailure.current }
}

/// Removes the file at `path` (`unlink(2)`).
func removeFile(_ path: String) throws(SystemCallFailure) {
    guard unlink(path) == 0 else { throw SystemCallFailure.current }
}

/// Flushes a directory's entries to disk, so a rename in it survives a power loss. Best
/// effort: the rename is already atomic, and not every platform can open a directory to sync.
func synchronizeDirectory(_ path: String) {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    _ = fsync(descriptor)
    _ = systemClose(descriptor)
}

/// The names in the directory at `path`, without `.` and `..`.
func directoryEntries(_ path: String) throws(SystemCallFailure) -> [String] {
    guard let stream = opendir(path) else { throw SystemCallFailure.current }
    defer { closedir(stream) }
    var names: [String] = []
    while true {
        errno = 0
        guard let entry = readdir(stream) else {
            if errno != 0 { throw SystemCallFailure.current }
            return names
        }
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
        }
        if name != "." && name != ".." { names.append(name) }
    }
}
