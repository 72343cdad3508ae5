// Collecting named tensors and metadata, and laying them out as the reference writer does:
// sorted keys, the header padded with spaces so the data starts on an 8-byte boundary.

import Foundation
import Tensor

/// Collects named tensors and string metadata and produces a safetensors file.
///
/// ```swift
/// var builder = SafetensorsBuilder(metadata: ["step": "1000"])
/// try builder.add(weight, named: "layers.0.weight")      // Tensor<Float> -> F32
/// try builder.add(integers: [3, 1], shape: [2], named: "order")  // -> I64
/// try builder.write(to: checkpointURL)                  // atomic
/// ```
///
/// `Tensor<Float>` is stored as F32, `Tensor<Double>` as F64 and integer arrays as I64. The
/// header lists `__metadata__` first (when there is any) and then the tensors, both in UTF-8
/// byte order of their keys, in compact JSON; tensor data follows in the same order with no
/// gaps. The header is padded with spaces to a multiple of 8 bytes, so the data section
/// starts 8-byte aligned, as the reference implementation writes it. Adding a tensor keeps a
/// reference to its (copy-on-write) storage, not a copy.
///
/// Unless ``includesDataChecksum`` is turned off, `__metadata__` also holds
/// ``Safetensors/dataChecksumKey``: the CRC-32C of the whole data section, which
/// ``Safetensors`` verifies on reading, so a corrupt checkpoint is refused instead of
/// silently loaded. Other readers see one more string in the metadata.
///
/// ### See Also
/// - ``Safetensors`` reads files.
public struct SafetensorsBuilder: Sendable {
    /// The free-form string pairs written under `__metadata__` (omitted when empty and
    /// there is no checksum). The key ``Safetensors/dataChecksumKey`` is reserved.
    public var metadata: [String: String]

    /// Whether `__metadata__` gets ``Safetensors/dataChecksumKey`` (default `true`). Turn it
    /// off only to reproduce byte for byte a file from a writer that stores none, such as
    /// the reference implementation.
    public var includesDataChecksum = true

    var entries: [String: Entry] = [:]

    /// Creates a builder with no tensors.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// The names of the tensors added so far, in the order they will be written.
    public var tensorNames: [String] { entries.keys.sorted(by: Safetensors.keyPrecedes) }

    /// Adds a floating-point tensor, stored as F32 for `Float` and F64 for `Double`.
    ///
    /// - Throws: ``SafetensorsError/Kind/duplicateKey`` if `name` was already added,
    ///   ``SafetensorsError/Kind/reservedTensorName`` for `"__metadata__"`.
    public mutating func add<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, named name: String) throws {
        let payload: Payload
        if let floats = tensor as? Tensor<Float> {
            payload = .float32(floats)
        } else if let doubles = tensor as? Tensor<Double> {
            payload = .float64(doubles)
        } else {
            throw SafetensorsError(.unsupportedDType, file: "(builder)", tensorName: name,
                                   reason: "expected Float or Double elements, found \(Scalar.self)")
        }
        try insert(Entry(shape: tensor.shape, payload: payload), named: name)
    }

    /// Adds an integer tensor, stored as I64.
    ///
    /// - Parameters:
    ///   - integers: `shape.reduce(1, *)` values in row-major order.
    ///   - shape: the extent of each axis; `[]` for a scalar.
    /// - Throws: ``SafetensorsError/Kind/invalidShape`` when the count does not match the
    ///   shape, and the name errors of ``add(_:named:)``.
    public mutating func add(integers: [Int64], shape: [Int], named name: String) throws {
        // Refuse what a reader would refuse: negative extents, or extents whose product
        // (zeros left out) overflows.
        var nonzeroProduct = 1
        for extent in shape {
            let (product, overflow) = nonzeroProduct.multipliedReportingOverflow(by: max(extent, 1))
            guard extent >= 0, !overflow else {
                throw SafetensorsError(.invalidShape, file: "(builder)", tensorName: name,
                                       reason: "expected non-negative extents with a representable product, found \(shape)")
            }
            nonzeroProduct = product
        }
        let count = shape.contains(0) ? 0 : nonzeroProduct
        guard integers.count == count else {
            throw SafetensorsError(.invalidShape, file: "(builder)", tensorName: name,
                                   reason: "shape \(shape) needs \(count) integers, found \(integers.count)")
        }
        try insert(Entry(shape: shape, payload: .int64(integers)), named: name)
    }

    /// The complete file as bytes.
    ///
    /// - Throws: ``SafetensorsError/Kind/headerTooLarge`` if the header would exceed
    ///   ``Safetensors/maximumHeaderByteCount`` (readers would refuse it), or
    ///   ``SafetensorsError/Kind/invalidMetadata`` if ``metadata`` uses the reserved key
    ///   ``Safetensors/dataChecksumKey``.
    public func serialized() throws -> Data {
        let layout = try makeLayout(file: "(memory)")
        var data = Data(capacity: layout.fileSize)
        data.append(contentsOf: layout.prefix)
        for (_, entry) in layout.entries {
            entry.payload.withLittleEndianBytes { bytes in
                if let base = bytes.baseAddress {
                    data.append(base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
                }
            }
        }
        return data
    }

    private mutating func insert(_ entry: Entry, named name: String) throws {
        guard name != "__metadata__" else {
            throw SafetensorsError(.reservedTensorName, file: "(builder)", tensorName: name,
                                   reason: "expected a tensor name other than \"__metadata__\", which holds the metadata")
        }
        guard entries[name] == nil else {
            throw SafetensorsError(.duplicateKey, file: "(builder)", tensorName: name,
                                   reason: "expected each name once, found \"\(name)\" added twice")
        }
        entries[name] = entry
    }
}

// MARK: - Layout

extension SafetensorsBuilder {
    /// What one named tensor holds.
    enum Payload: Sendable {
        case float32(Tensor<Float>)
        case float64(Tensor<Double>)
        case int64([Int64])

        var dtype: Safetensors.DType {
            switch self {
            case .float32: .float32
            case .float64: .float64
            case .int64: .int64
            }
        }

        var scalarCount: Int {
            switch self {
            case .float32(let tensor): tensor.scalarCount
            case .float64(let tensor): tensor.scalarCount
            case .int64(let values): values.count
            }
        }

        /// Calls `body` with the elements as little-endian bytes in row-major order.
        func withLittleEndianBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
            switch self {
            case .float32(let tensor):
                try tensor.withUnsafeBufferPointer { try Safetensors.withLittleEndianBytes(.init($0), elementWidth: 4, body) }
            case .float64(let tensor):
                try tensor.withUnsafeBufferPointer { try Safetensors.withLittleEndianBytes(.init($0), elementWidth: 8, body) }
            case .int64(let values):
                try values.withUnsafeBufferPointer { try Safetensors.withLittleEndianBytes(.init($0), elementWidth: 8, body) }
            }
        }
    }

    /// One named tensor.
    struct Entry: Sendable {
        let shape: [Int]
        let payload: Payload
        var byteCount: Int { payload.scalarCount * payload.dtype.byteWidth }
    }

    /// The 8-byte length and padded header, and the entries in data order.
    struct Layout {
        let prefix: [UInt8]
        let entries: [(name: String, entry: Entry)]
        let fileSize: Int
    }

    /// The header and data order; `file` names the destination in errors.
    func makeLayout(file: String) throws -> Layout {
        guard metadata[Safetensors.dataChecksumKey] == nil else {
            throw SafetensorsError(.invalidMetadata, file: file,
                                   reason: "expected metadata without the key \"\(Safetensors.dataChecksumKey)\", "
                                       + "which the builder fills with the data section's checksum")
        }
        let ordered = tensorNames.map { (name: $0, entry: entries[$0]!) }
        var allMetadata = metadata
        if includesDataChecksum {
            // One pass over the tensors before the header is written: the checksum goes in it.
            var checksum = CRC32C()
            for (_, entry) in ordered {
                entry.payload.withLittleEndianBytes { checksum.update($0) }
            }
            allMetadata[Safetensors.dataChecksumKey] = Safetensors.checksumText(checksum.value)
        }
        var members: [String] = []
        if !allMetadata.isEmpty {
            let pairs = allMetadata.keys.sorted(by: Safetensors.keyPrecedes)
                .map { SafetensorsJSON.quoted($0) + ":" + SafetensorsJSON.quoted(allMetadata[$0]!) }
            members.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for (name, entry) in ordered {
            let shape = entry.shape.map(String.init).joined(separator: ",")
            let end = offset + entry.byteCount
            members.append(SafetensorsJSON.quoted(name) + ":{\"dtype\":\"\(entry.payload.dtype.rawValue)\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array(("{" + members.joined(separator: ",") + "}").utf8)
        // Spaces are JSON whitespace, so the padding keeps the header valid.
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
        guard header.count <= Safetensors.maximumHeaderByteCount else {
            throw SafetensorsError(.headerTooLarge, file: file,
                                   reason: "expected a header of at most \(Safetensors.maximumHeaderByteCount) bytes, "
                                       + "the \(ordered.count) tensors need \(header.count)")
        }
        let length = UInt64(header.count).littleEndian
        let prefix = withUnsafeBytes(of: length) { Array($0) } + header
        return Layout(prefix: prefix, entries: ordered, fileSize: prefix.count + offset)
    }
}
