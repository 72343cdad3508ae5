// Foundation's file and decoding errors in plain words, so a user sees "path: reason" or
// "key 'channels' missing" and never a Cocoa domain, code or user-info dump.

import Foundation

/// `"path: reason"` for a Foundation or POSIX file error (reason from the underlying errno:
/// "no space left on device", "permission denied", …; when a parent of the path is a file,
/// "… is a file, not a folder"), or nil for any other error.
public func plainFileErrorDescription(_ error: any Error) -> String? {
    let error = error as NSError
    guard error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain else { return nil }
    let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
    var code: Int32? = error.domain == NSPOSIXErrorDomain ? Int32(error.code) : nil
    if code == nil, let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        code = Int32(underlying.code)
    }
    if let path, code == ENOENT || code == ENOTDIR, let file = ancestorThatIsNotADirectory(of: path) {
        return "\(path): \(file) is a file, not a folder"
    }
    let reason: String
    if let code {
        reason = String(cString: strerror(code)).lowercased()
    } else {
        switch CocoaError.Code(rawValue: error.code) {
        case .fileWriteOutOfSpace: reason = "no space left on device"
        case .fileNoSuchFile, .fileReadNoSuchFile: reason = "no such file or folder"
        case .fileWriteNoPermission, .fileReadNoPermission: reason = "permission denied"
        case .fileWriteFileExists: reason = "something with that name already exists"
        case .fileWriteVolumeReadOnly: reason = "read-only file system"
        default: reason = "input/output error"
        }
    }
    return path.map { "\($0): \(reason)" } ?? reason
}

/// Which key or value a decoding error is about, in words: "key 'channels' missing",
/// "layerCounts[2] is not Int".
public func plainDecodingDescription(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case .keyNotFound(let key, let context):
        return "key '\(key.stringValue)' missing" + (context.codingPath.isEmpty ? "" : " in \(path(context))")
    case .typeMismatch(let type, let context): return "\(path(context)) is not \(type)"
    case .valueNotFound(let type, let context): return "\(path(context)) has no \(type) value"
    case .dataCorrupted(let context): return (path(context).isEmpty ? "" : "\(path(context)): ") + context.debugDescription
    @unknown default: return "\(error)"
    }
}
