// File-system helpers shared by the datasets: reading whole files with errors that name
// them, picking the first layout that exists, listing image trees, and image decoding by
// file type.

import Foundation

/// Reading and locating dataset files.
enum DatasetFiles {
    /// The bytes of the file at `url`, or ``DatasetError/unreadable(file:reason:)``.
    static func read(_ url: URL) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: url, options: .mappedIfSafe))
        } catch {
            let reason = FileManager.default.fileExists(atPath: url.path) ? error.localizedDescription : "no such file"
            throw DatasetError.unreadable(file: url.path, reason: reason)
        }
    }

    static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func isFile(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// The first of `candidates` (each a path relative to `root`) that names an existing file.
    static func firstFile(in root: URL, _ candidates: [String]) -> URL? {
        candidates.map { root.appendingPathComponent($0) }.first(where: isFile)
    }

    /// File extensions treated as images in folder datasets, lower case.
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The image files under `root` (recursively), as paths relative to `root`, sorted so the
    /// order (and so any seeded split) does not depend on the file system's listing order.
    static func imageFiles(under root: URL) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                              options: [.skipsHiddenFiles]) else {
            throw DatasetError.unreadable(file: root.path, reason: "cannot list the folder")
        }
        let rootPath = root.standardizedFileURL.path
        var files: [String] = []
        for case let url as URL in enumerator where imageExtensions.contains(url.pathExtension.lowercased()) {
            let path = url.standardizedFileURL.path
            files.append(path.hasPrefix(rootPath + "/") ? String(path.dropFirst(rootPath.count + 1)) : path)
        }
        return files.sorted()
    }

    /// Decodes a PNG or JPEG file, choosing the decoder by the file's magic number.
    static func decodeImage(at url: URL) throws -> DecodedImage {
        let bytes = try read(url)
        if bytes.starts(with: PNGDecoder.signature) {
            return try PNGDecoder().decode(bytes, source: url.path)
        }
        if bytes.starts(with: [0xFF, 0xD8]) {
            return try JPEGDecoder().decode(bytes, source: url.path)
        }
        throw DatasetError.malformed(file: url.path, format: "image", offset: 0,
                                     reason: "starts with \(hexDescription(bytes.prefix(8))), which is neither "
                                         + "a PNG signature nor a JPEG start-of-image marker")
    }
}
