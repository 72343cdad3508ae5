// The one error type of safetensors reading, lookup and writing: which rule was broken, in
// which file, at which byte, and what was expected against what was found.

import Foundation

/// Why a safetensors file could not be read, a tensor could not be returned, or a file could
/// not be written.
///
/// Every failure names the file (or `"(memory)"` for bytes that did not come from a file),
/// the byte offset in the file when one place is to blame, the tensor when one tensor is to
/// blame, and a reason that says what was expected and what was found. Tests and callers
/// branch on ``kind``; people read ``description``.
public struct SafetensorsError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The rule that was broken; one case per validation rule.
    public enum Kind: String, Sendable, Equatable, Hashable, CaseIterable {
        /// The file could not be opened or read: no such file, permission denied, a directory
        /// or other non-regular file, a read error.
        case unreadableFile
        /// The file is shorter than the 8-byte header length.
        case fileTooShort
        /// The header length exceeds the 100 MB cap of the reference implementation.
        case headerTooLarge
        /// The header length points past the end of the file.
        case headerLengthBeyondFile
        /// The header bytes are not valid UTF-8.
        case headerNotUTF8
        /// The header is not well-formed JSON (or is nested absurdly deep).
        case headerNotJSON
        /// The header is JSON but its top level is not an object.
        case headerNotObject
        /// A JSON object in the header repeats a key, or a builder was given a name twice.
        case duplicateKey
        /// A tensor entry lacks `dtype`, `shape` or `data_offsets`.
        case missingField
        /// A tensor entry, or one of its fields, has the wrong JSON type.
        case wrongFieldType
        /// The dtype is not one of F32, F64, I32, I64.
        case unsupportedDType
        /// A shape entry is negative or not an integer, or the element count overflows, or a
        /// builder's integer array does not have `product(shape)` elements.
        case invalidShape
        /// `data_offsets` is not a pair of non-negative integers.
        case invalidOffsets
        /// `data_offsets` has begin > end.
        case reversedOffsets
        /// A tensor's byte range ends past the end of the data section.
        case offsetsOutOfRange
        /// Two tensors' byte ranges overlap.
        case overlappingRanges
        /// Some bytes of the data section belong to no tensor (a gap, or bytes after the last
        /// tensor); the reference implementation rejects such files too.
        case uncoveredData
        /// A tensor's byte count is not `product(shape) * dtype size`.
        case byteCountMismatch
        /// `__metadata__` is not an object whose values are all strings, or its
        /// `data_checksum` is not `"crc32c:"` and 8 lowercase hex digits; or a builder's
        /// metadata uses the reserved key `data_checksum`.
        case invalidMetadata
        /// The data section does not have the checksum stored in `__metadata__`: the tensor
        /// bytes are corrupt (changed on disk, in transit, or by a faulty copy).
        case checksumMismatch
        /// No tensor has the requested name.
        case tensorNotFound
        /// The tensor's dtype cannot be returned as the requested type (integer as float or
        /// float as integer).
        case dtypeMismatch
        /// A builder was given the reserved name `__metadata__`.
        case reservedTensorName
        /// Writing the file failed (the directory is missing or not a directory, the
        /// destination is a directory, permission denied, no space left on device, ...); the
        /// destination is unchanged. Also removing a stale temporary file failed.
        case writeFailed
    }

    /// The rule that was broken.
    public let kind: Kind
    /// The file path, or `"(memory)"`.
    public let file: String
    /// The byte offset in the file where the problem lies, when one place is to blame.
    public let offset: Int?
    /// The tensor the problem concerns, if any.
    public let tensorName: String?
    /// What was expected and what was found.
    public let reason: String

    /// Creates an error; `reason` should state what was expected and what was found.
    public init(_ kind: Kind, file: String, offset: Int? = nil, tensorName: String? = nil, reason: String) {
        self.kind = kind
        self.file = file
        self.offset = offset
        self.tensorName = tensorName
        self.reason = reason
    }

    /// One line meant for the person running the program, e.g.
    /// `model.safetensors: byte 96: tensor "w": invalid shape: expected ...`.
    public var description: String {
        var text = "\(file): "
        if let offset { text += "byte \(offset): " }
        if let tensorName { text += "tensor \"\(tensorName)\": " }
        return text + "\(kind.summary): \(reason)"
    }

    /// The same text as ``description``, so `localizedDescription` is informative too.
    public var errorDescription: String? { description }
}

extension SafetensorsError.Kind {
    /// A few words naming the rule, used in messages.
    var summary: String {
        switch self {
        case .unreadableFile: "cannot read safetensors file"
        case .fileTooShort: "file too short"
        case .headerTooLarge: "header too large"
        case .headerLengthBeyondFile: "header length beyond end of file"
        case .headerNotUTF8: "header is not valid UTF-8"
        case .headerNotJSON: "header is not valid JSON"
        case .headerNotObject: "header is not a JSON object"
        case .duplicateKey: "duplicate key"
        case .missingField: "missing field"
        case .wrongFieldType: "wrong JSON type"
        case .unsupportedDType: "unsupported dtype"
        case .invalidShape: "invalid shape"
        case .invalidOffsets: "invalid data_offsets"
        case .reversedOffsets: "data_offsets begin after end"
        case .offsetsOutOfRange: "data_offsets out of range"
        case .overlappingRanges: "overlapping tensor data"
        case .uncoveredData: "data section not covered by tensors"
        case .byteCountMismatch: "byte count does not match shape and dtype"
        case .invalidMetadata: "invalid __metadata__"
        case .checksumMismatch: "data checksum mismatch"
        case .tensorNotFound: "no such tensor"
        case .dtypeMismatch: "dtype mismatch"
        case .reservedTensorName: "reserved tensor name"
        case .writeFailed: "cannot write safetensors file"
        }
    }
}
