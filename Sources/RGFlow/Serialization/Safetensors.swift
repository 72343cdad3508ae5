// A parsed, validated safetensors file: metadata, tensor descriptions, and typed access to
// each tensor as a Float or Double `Tensor` or as Int64 values.

import Foundation
import Tensor

/// The contents of a safetensors file, checked against the format's rules when it is read.
///
/// Layout (little-endian throughout): an 8-byte header length `N`, `N` bytes of UTF-8 JSON
/// `{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {key: value}?}`
/// padded with spaces, then the data section; offsets count bytes from the start of the data
/// section. Every byte of the data section belongs to exactly one tensor (as the reference
/// implementation requires): no overlaps, no gaps, nothing after the last tensor.
///
/// Supported dtypes are `F32`, `F64`, `I32` and `I64`. Floating-point tensors are returned as
/// `Tensor<Float>` or `Tensor<Double>` with either dtype (F32 <-> F64 converted); integer
/// tensors as ``IntegerTensor``.
///
/// ```swift
/// let weights = try Safetensors(contentsOf: url)
/// let scale = try weights.tensor(named: "prior.scale", as: Double.self)
/// ```
///
/// The value keeps the file's bytes and converts a tensor only when it is asked for.
///
/// ### See Also
/// - ``SafetensorsBuilder`` writes files.
/// - ``SafetensorsError`` lists every rule checked.
public struct Safetensors: Sendable {
    /// The element type of a stored tensor.
    public enum DType: String, Sendable, CaseIterable {
        /// IEEE 754 binary32, `"F32"`.
        case float32 = "F32"
        /// IEEE 754 binary64, `"F64"`.
        case float64 = "F64"
        /// Two's complement 32-bit integer, `"I32"`.
        case int32 = "I32"
        /// Two's complement 64-bit integer, `"I64"`.
        case int64 = "I64"

        /// The size of one element in bytes.
        public var byteWidth: Int {
            switch self {
            case .float32, .int32: 4
            case .float64, .int64: 8
            }
        }

        /// Whether elements are floating-point numbers.
        public var isFloatingPoint: Bool { self == .float32 || self == .float64 }
    }

    /// The description of one stored tensor, as the header gives it.
    public struct TensorInfo: Sendable, Equatable {
        /// The tensor's name (its key in the header).
        public let name: String
        /// The element type.
        public let dtype: DType
        /// The extent of each axis, outermost first; `[]` for a scalar.
        public let shape: [Int]
        /// The tensor's bytes, counted from the start of the data section.
        public let dataOffsets: Range<Int>

        /// The number of elements (`shape.reduce(1, *)`, 1 for a scalar).
        public var scalarCount: Int { shape.reduce(1, *) }
    }

    /// An integer tensor widened to `Int64`: a shape and its elements in row-major order.
    public struct IntegerTensor: Sendable, Equatable {
        /// The extent of each axis, outermost first.
        public var shape: [Int]
        /// `shape.reduce(1, *)` elements, last axis fastest.
        public var scalars: [Int64]

        /// Creates an integer tensor; `scalars` must hold `shape.reduce(1, *)` elements.
        public init(shape: [Int], scalars: [Int64]) {
            self.shape = shape
            self.scalars = scalars
        }
    }

    /// The file path the bytes came from, or `"(memory)"`; errors name it.
    public let file: String
    /// The free-form string pairs stored under `__metadata__` (empty when absent), without
    /// ``dataChecksumKey``, which the reader consumes.
    public let metadata: [String: String]
    /// The ``dataChecksumKey`` value (`"crc32c:..."`) that the data section was verified
    /// against when the file was read, or nil for a file without one (written by another
    /// tool, such as the reference implementation, or with checksums turned off).
    public let dataChecksum: String?
    /// The names of all tensors, in UTF-8 byte order.
    public let tensorNames: [String]

    let infos: [String: TensorInfo]
    /// The file's bytes indexed from 0: the whole file when read from bytes, only the data
    /// section when read from a URL.
    let buffer: Data
    /// Where the data section starts in `buffer`.
    let dataStart: Int

    init(file: String, header: Header, buffer: Data, dataStart: Int) {
        self.file = file
        self.metadata = header.metadata
        self.dataChecksum = header.checksum.map(Safetensors.checksumText)
        let infos = header.infos
        self.infos = infos
        self.tensorNames = infos.keys.sorted(by: Safetensors.keyPrecedes)
        self.buffer = buffer
        self.dataStart = dataStart
    }

    /// The descriptions of all tensors, in the order of ``tensorNames``.
    public var tensorInfos: [TensorInfo] { tensorNames.map { infos[$0]! } }

    /// Whether a tensor called `name` is stored.
    public func contains(_ name: String) -> Bool { infos[name] != nil }

    /// The description of the tensor called `name`.
    ///
    /// - Throws: ``SafetensorsError/Kind/tensorNotFound`` listing a few stored names.
    public func info(named name: String) throws -> TensorInfo {
        if let info = infos[name] { return info }
        let shown = tensorNames.prefix(8).map { "\"\($0)\"" }.joined(separator: ", ")
        let more = tensorNames.count > 8 ? ", ... (\(tensorNames.count) in all)" : ""
        let available = tensorNames.isEmpty ? "the file holds no tensors" : "available: \(shown)\(more)"
        throw SafetensorsError(.tensorNotFound, file: file, tensorName: name, reason: available)
    }

    /// The stored little-endian bytes of the tensor called `name`, as a new `Data` indexed
    /// from 0.
    public func rawBytes(named name: String) throws -> Data {
        let info = try info(named: name)
        return Data(buffer[absoluteRange(of: info)])
    }

    /// The floating-point tensor called `name`, converted to `Scalar` if its dtype is the
    /// other float width (F32 values are exact in Double; F64 values are rounded to nearest
    /// Float).
    ///
    /// - Parameters:
    ///   - name: the tensor's key in the header.
    ///   - type: `Float.self` or `Double.self`.
    /// - Throws: ``SafetensorsError/Kind/tensorNotFound``, or
    ///   ``SafetensorsError/Kind/dtypeMismatch`` for an integer tensor.
    public func tensor<Scalar: TensorScalar>(named name: String, as type: Scalar.Type = Scalar.self) throws
        -> Tensor<Scalar>
    {
        let info = try info(named: name)
        guard info.dtype.isFloatingPoint else {
            throw SafetensorsError(.dtypeMismatch, file: file, tensorName: name,
                                   reason: "expected a floating-point tensor (F32 or F64) to return as "
                                       + "\(Scalar.dtypeName), found \(info.dtype.rawValue); read it with integers(named:)")
        }
        var result = Tensor<Scalar>.zeros(info.shape)
        let converted: Bool = buffer.withUnsafeBytes { all in
            let source = UnsafeRawBufferPointer(rebasing: all[absoluteRange(of: info)])
            return result.withUnsafeMutableBufferPointer { destination in
                if Scalar.self == Float.self {
                    info.dtype.decode(source, into: UnsafeMutableRawBufferPointer(destination)
                        .assumingMemoryBound(to: Float.self))
                    return true
                }
                if Scalar.self == Double.self {
                    info.dtype.decode(source, into: UnsafeMutableRawBufferPointer(destination)
                        .assumingMemoryBound(to: Double.self))
                    return true
                }
                return false
            }
        }
        guard converted else {
            throw SafetensorsError(.dtypeMismatch, file: file, tensorName: name,
                                   reason: "expected Float or Double as the element type, found \(Scalar.self)")
        }
        return result
    }

    /// The integer tensor called `name` (dtype I32 or I64), widened to `Int64`.
    ///
    /// - Throws: ``SafetensorsError/Kind/tensorNotFound``, or
    ///   ``SafetensorsError/Kind/dtypeMismatch`` for a floating-point tensor.
    public func integers(named name: String) throws -> IntegerTensor {
        let info = try info(named: name)
        guard !info.dtype.isFloatingPoint else {
            throw SafetensorsError(.dtypeMismatch, file: file, tensorName: name,
                                   reason: "expected an integer tensor (I32 or I64), found \(info.dtype.rawValue); "
                                       + "read it with tensor(named:as:)")
        }
        let count = info.scalarCount
        let scalars = buffer.withUnsafeBytes { all in
            let source = UnsafeRawBufferPointer(rebasing: all[absoluteRange(of: info)])
            return [Int64](unsafeUninitializedCapacity: count) { destination, initialized in
                info.dtype.decode(source, into: destination)
                initialized = count
            }
        }
        return IntegerTensor(shape: info.shape, scalars: scalars)
    }

    func absoluteRange(of info: TensorInfo) -> Range<Int> {
        (dataStart + info.dataOffsets.lowerBound)..<(dataStart + info.dataOffsets.upperBound)
    }
}

extension Safetensors: Equatable {
    /// Two files are equal when they hold the same metadata and the same tensors (name,
    /// dtype, shape and bytes), wherever in the data section those bytes lie.
    public static func == (lhs: Safetensors, rhs: Safetensors) -> Bool {
        guard lhs.metadata == rhs.metadata, lhs.tensorNames == rhs.tensorNames else { return false }
        for name in lhs.tensorNames {
            let left = lhs.infos[name]!, right = rhs.infos[name]!
            guard left.dtype == right.dtype, left.shape == right.shape,
                  lhs.buffer[lhs.absoluteRange(of: left)] == rhs.buffer[rhs.absoluteRange(of: right)]
            else { return false }
        }
        return true
    }
}

extension Safetensors {
    /// Orders names by their UTF-8 bytes, which is Unicode code point order: the order of
    /// Python's `sort_keys` and Rust's `BTreeMap`, independent of Swift's string comparison.
    static func keyPrecedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}
