// The one error type of the Datasets module: every decoder, dataset, factory and loader
// failure, with the file, the byte offset where it helps, and what was expected.

/// Why a dataset, a file in it, or a batch could not be produced.
///
/// Decoders never trap or return part of an image on bad input: they throw one of these,
/// naming the file and, for format errors, the byte offset and what was expected there.
public enum DatasetError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The bytes of `file` break the rules of `format` at `offset` (when a single offset
    /// makes sense); `reason` says what was expected and what was found.
    case malformed(file: String, format: String, offset: Int?, reason: String)
    /// `file` is a valid `format` file that uses a feature these decoders do not implement
    /// (progressive JPEG, 12-bit samples, arithmetic coding and so on).
    case unsupported(file: String, format: String, feature: String)
    /// `file` exists (or should) but could not be read.
    case unreadable(file: String, reason: String)
    /// The files of `dataset` were not found; `expected` lists the paths looked for and
    /// `instructions` says where the official files come from.
    case missingFiles(dataset: String, expected: [String], instructions: String)
    /// No folder written by `rgflow generate-msds` exists at `path` for `dataset`; the tool
    /// generates the images in memory instead.
    case msdsFolderNotFound(dataset: String, path: String)
    /// The files are individually valid but do not form the dataset (a gap in numbered
    /// files, an image of the wrong size, counts that disagree).
    case inconsistent(path: String, reason: String)
    /// `name` is not one of the dataset names in `known`.
    case unknownDataset(name: String, known: [String])
    /// An image index outside `0 ..< count`.
    case indexOutOfRange(index: Int, count: Int)
    /// A parameter (batch size, crop size...) outside its valid range.
    case invalidArgument(String)

    /// A one-paragraph explanation meant for the person running the tool.
    public var description: String {
        switch self {
        case let .malformed(file, format, offset, reason):
            let place = offset.map { " at byte \($0)" } ?? ""
            return "\(file): invalid \(format) data\(place): \(reason)"
        case let .unsupported(file, format, feature):
            return "\(file): unsupported \(format) feature: \(feature)"
        case let .unreadable(file, reason):
            return "\(file): cannot read file: \(reason)"
        case let .missingFiles(dataset, expected, instructions):
            let list = expected.map { "  \($0)" }.joined(separator: "\n")
            return "dataset \(dataset) not found. Expected:\n\(list)\n\(instructions)"
        case let .msdsFolderNotFound(dataset, path):
            return "\(dataset) folder not found at \(path) (expected train/0/00000.png ... as written by "
                + "`rgflow generate-msds`); the images can be generated in memory instead"
        case let .inconsistent(path, reason):
            return "\(path): \(reason)"
        case let .unknownDataset(name, known):
            return "unknown dataset \"\(name)\"; expected one of \(known.joined(separator: ", "))"
        case let .indexOutOfRange(index, count):
            return "image index \(index) is outside 0..<\(count)"
        case let .invalidArgument(message):
            return message
        }
    }
}

/// Builds ``DatasetError/malformed(file:format:offset:reason:)`` errors for one file and
/// format, so decoders name both without repeating them at every check.
struct DecodingContext: Sendable {
    /// The file name (or a description such as "(memory)") used in messages.
    let file: String
    /// The format being decoded, e.g. "PNG" or "DEFLATE stream in PNG IDAT".
    let format: String

    func malformed(_ reason: String, at offset: Int? = nil) -> DatasetError {
        .malformed(file: file, format: format, offset: offset, reason: reason)
    }

    func unsupported(_ feature: String) -> DatasetError {
        .unsupported(file: file, format: format, feature: feature)
    }

    /// The same file in a nested format (the zlib stream inside a PNG, say).
    func nested(_ innerFormat: String) -> DecodingContext {
        DecodingContext(file: file, format: innerFormat)
    }
}

/// Bytes as space-separated lowercase hex ("1f 8b"), for magic-number messages.
func hexDescription<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ")
}
