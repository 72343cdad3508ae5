// The temporary files of the atomic writer: their name, and removing the ones a killed
// process left behind, matching that name exactly so that nothing else is ever touched.

import Foundation

extension SafetensorsBuilder {
    /// The writer's temporary for a destination named `name`: `.{name}.{UUID}.tmp`, hidden,
    /// unique, and in the destination's directory so that the final rename stays atomic.
    static func temporaryName(for name: String) -> String {
        ".\(name).\(UUID().uuidString).tmp"
    }

    /// Whether `name` is exactly what ``temporaryName(for:)`` produces for some destination:
    /// a dot, a non-empty name, a dot, an uppercase UUID (8-4-4-4-12 hex digits), `.tmp`.
    static func isTemporaryName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        let suffix = Array(".tmp".utf8), uuidLength = 36
        // "." + at least one byte + "." + UUID + ".tmp"
        guard bytes.count >= 1 + 1 + 1 + uuidLength + suffix.count, bytes.first == UInt8(ascii: "."),
              bytes.suffix(suffix.count).elementsEqual(suffix)
        else { return false }
        let uuidStart = bytes.count - suffix.count - uuidLength
        guard bytes[uuidStart - 1] == UInt8(ascii: ".") else { return false }
        for (position, byte) in bytes[uuidStart..<(uuidStart + uuidLength)].enumerated() {
            let isDash = byte == UInt8(ascii: "-")
            let isHex = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
            guard [8, 13, 18, 23].contains(position) ? isDash : isHex else { return false }
        }
        return true
    }

    /// Removes the temporary files that ``write(to:)`` leaves in `directory` when its process
    /// is killed mid-write (`kill -9`, power loss), and returns them.
    ///
    /// Only regular files named exactly as the writer names its temporaries,
    /// `.{name}.{UUID}.tmp`, are removed; symbolic links, directories and every other name are
    /// left alone. Call it only when no writer can be running on `directory` (for instance
    /// the trainer at resume, before it writes again): a temporary being written by a live
    /// process would be removed under it, and that write would then fail at its rename.
    ///
    /// - Parameter directory: the folder the destinations are in; a missing folder holds no
    ///   temporaries (the result is empty).
    /// - Returns: the removed files, sorted by name.
    /// - Throws: ``SafetensorsError`` with ``SafetensorsError/Kind/unreadableFile`` naming
    ///   `directory` when it cannot be listed (it is a file, permission denied, ...), or
    ///   ``SafetensorsError/Kind/writeFailed`` naming a temporary that cannot be removed.
    @discardableResult
    public static func removeStaleTemporaries(in directory: URL) throws -> [URL] {
        let path = directory.path
        let names: [String]
        do {
            names = try directoryEntries(path)
        } catch {
            if error.code == ENOENT { return [] }
            throw SafetensorsError(.unreadableFile, file: path,
                                   reason: error.code == ENOTDIR ? "is a file, expected a directory to clean up"
                                       : "cannot list the directory: \(error.phrase)")
        }
        var removed: [URL] = []
        for name in names.sorted() where isTemporaryName(name) {
            let file = directory.appendingPathComponent(name)
            guard FileKind(path: file.path, followingLinks: false) == .regular else { continue }
            do {
                try removeFile(file.path)
            } catch {
                // Gone already (another cleaner): the goal is reached.
                if error.code == ENOENT { continue }
                throw SafetensorsError(.writeFailed, file: file.path,
                                       reason: "cannot remove this stale temporary file: \(error.phrase)")
            }
            removed.append(file)
        }
        return removed
    }
}
