// Reading a safetensors file: the header length, the JSON header, and every rule that a
// header must satisfy before any tensor is handed out. Sizes are checked before allocating.

import Foundation

extension Safetensors {
    /// The largest header accepted, in bytes: 100 MB, the reference implementation's limit.
    public static let maximumHeaderByteCount = 100_000_000

    /// Reads and validates the safetensors file at `url`; errors name its path.
    ///
    /// The header length and the header are read and checked first, so a file that is not a
    /// valid safetensors file is refused before its data is read. The data section is then
    /// read into memory (not memory-mapped, so a file truncated by another program while in
    /// use cannot crash this one) and, when the header stores a ``dataChecksumKey``, checked
    /// against it.
    ///
    /// - Throws: ``SafetensorsError`` with ``SafetensorsError/Kind/unreadableFile`` when the
    ///   file cannot be read (no such file, permission denied, a directory, a read error),
    ///   ``SafetensorsError/Kind/checksumMismatch`` when the data is corrupt, or the kind of
    ///   the first rule the file breaks.
    public init(contentsOf url: URL) throws {
        let path = url.path
        guard url.isFileURL else {
            throw SafetensorsError(.unreadableFile, file: url.absoluteString,
                                   reason: "expected a file URL (a local path), found scheme \"\(url.scheme ?? "")\"")
        }
        do {
            let file = try ReadableFile(path: path)
            let reader = HeaderReader(file: path, fileSize: file.size)
            let headerLength = try reader.checkLength(try file.read(min(file.size, 8)))
            let header = try reader.readHeader([UInt8](try file.read(headerLength)),
                                               dataLength: file.size - 8 - headerLength)
            let data = try file.read(file.size - 8 - headerLength)
            try reader.verify(header, data: data, dataStart: 8 + headerLength)
            self.init(file: path, header: header, buffer: data, dataStart: 0)
        } catch let failure as ReadFailure {
            throw SafetensorsError(.unreadableFile, file: path, reason: failure.reason)
        }
    }

    /// Validates the bytes of a whole safetensors file, and the checksum of its data section
    /// when the header stores a ``dataChecksumKey``.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents, from its first byte.
    ///   - file: how errors name the source, e.g. a path or URL.
    /// - Throws: ``SafetensorsError`` of the kind of the first rule the bytes break.
    public init(bytes: Data, file: String = "(memory)") throws {
        // A Data slice keeps its parent's indices; rebase so offsets are file offsets.
        let buffer = bytes.startIndex == 0 ? bytes : Data(bytes)
        let reader = HeaderReader(file: file, fileSize: buffer.count)
        let headerLength = try reader.checkLength(buffer.prefix(8))
        let header = try reader.readHeader([UInt8](buffer[8..<(8 + headerLength)]),
                                           dataLength: buffer.count - 8 - headerLength)
        try reader.verify(header, data: buffer[(8 + headerLength)...], dataStart: 8 + headerLength)
        self.init(file: file, header: header, buffer: buffer, dataStart: 8 + headerLength)
    }

    /// What a validated header holds.
    struct Header {
        /// `__metadata__` without ``Safetensors/dataChecksumKey``.
        var metadata: [String: String] = [:]
        var infos: [String: TensorInfo] = [:]
        /// The checksum the header stores for the data section, if any.
        var checksum: UInt32?
    }
}

/// Interprets a header's JSON and checks each rule, producing errors with file offsets.
private struct HeaderReader {
    let file: String
    let fileSize: Int
    /// File offset of the first header byte; JSON offsets are relative to it.
    let headerStart = 8

    func error(_ kind: SafetensorsError.Kind, at offset: Int?, tensor: String? = nil, _ reason: String)
        -> SafetensorsError
    {
        SafetensorsError(kind, file: file, offset: offset, tensorName: tensor, reason: reason)
    }

    func error(_ kind: SafetensorsError.Kind, at value: SafetensorsJSON.Value, tensor: String? = nil, _ reason: String)
        -> SafetensorsError
    {
        error(kind, at: headerStart + value.offset, tensor: tensor, reason)
    }

    /// The header length from the first 8 bytes (`prefix`, fewer if the file is shorter),
    /// checked against the cap and the file size before anything is allocated for it.
    func checkLength(_ prefix: Data) throws -> Int {
        guard prefix.count >= 8 else {
            throw error(.fileTooShort, at: 0, "expected at least 8 bytes (the header length), found \(fileSize)")
        }
        let declared = prefix.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard declared <= UInt64(Safetensors.maximumHeaderByteCount) else {
            throw error(.headerTooLarge, at: 0,
                        "expected a header length of at most \(Safetensors.maximumHeaderByteCount) bytes, found \(declared)")
        }
        let headerLength = Int(declared)
        guard 8 + headerLength <= fileSize else {
            throw error(.headerLengthBeyondFile, at: 0,
                        "header length \(headerLength) needs \(8 + headerLength) bytes, but the file has \(fileSize)")
        }
        return headerLength
    }

    func readHeader(_ header: [UInt8], dataLength: Int) throws -> Safetensors.Header {
        if let bad = SafetensorsJSON.firstInvalidUTF8Offset(header) {
            throw error(.headerNotUTF8, at: headerStart + bad,
                        "expected UTF-8 text, found byte 0x\(String(header[bad], radix: 16)) that does not decode")
        }
        let root: SafetensorsJSON.Value
        do {
            root = try SafetensorsJSON.Parser.parse(header)
        } catch {
            if let key = error.duplicateKey {
                throw self.error(.duplicateKey, at: headerStart + error.offset, tensor: key,
                                 "expected each name once, found \"\(key)\" twice")
            }
            throw self.error(.headerNotJSON, at: headerStart + error.offset, error.message)
        }
        guard case .object(let members) = root.content else {
            throw error(.headerNotObject, at: root, "expected a JSON object at the top level, found \(root.summary)")
        }
        var result = Safetensors.Header()
        var valueOffsets: [String: Int] = [:]
        for member in members {
            if member.key == "__metadata__" {
                (result.metadata, result.checksum) = try readMetadata(member.value)
            } else {
                result.infos[member.key] = try readEntry(member.key, member.value, dataLength: dataLength)
                valueOffsets[member.key] = headerStart + member.value.offset
            }
        }
        try checkCoverage(result.infos, dataLength: dataLength, offsets: valueOffsets)
        return result
    }

    /// Compares the data section's CRC-32C with the header's checksum, when it has one.
    func verify(_ header: Safetensors.Header, data: Data, dataStart: Int) throws {
        guard let expected = header.checksum else { return }
        let found = data.withUnsafeBytes { CRC32C.checksum(of: $0) }
        guard found == expected else {
            throw SafetensorsError(
                .checksumMismatch, file: file,
                reason: "the data is corrupt: expected \(Safetensors.checksumText(expected)) "
                    + "(__metadata__ \(Safetensors.dataChecksumKey)), found \(Safetensors.checksumText(found)) "
                    + "over the \(data.count) data bytes from byte \(dataStart)")
        }
    }

    /// `__metadata__` must be a string-to-string object (null, which the reference reads as
    /// "no metadata", is accepted too); its ``Safetensors/dataChecksumKey`` is taken out
    /// and parsed.
    func readMetadata(_ value: SafetensorsJSON.Value) throws -> ([String: String], UInt32?) {
        if case .null = value.content { return ([:], nil) }
        guard case .object(let members) = value.content else {
            throw error(.invalidMetadata, at: value, "expected an object of strings, found \(value.summary)")
        }
        var metadata: [String: String] = [:]
        for member in members {
            guard case .string(let text) = member.value.content else {
                throw error(.invalidMetadata, at: member.value,
                            "expected a string for key \"\(member.key)\", found \(member.value.summary)")
            }
            metadata[member.key] = text
        }
        guard let text = metadata.removeValue(forKey: Safetensors.dataChecksumKey) else { return (metadata, nil) }
        guard let checksum = Safetensors.parseChecksum(text) else {
            let value = members.first { $0.key == Safetensors.dataChecksumKey }!.value
            throw error(.invalidMetadata, at: value,
                        "expected \(Safetensors.dataChecksumKey) as \"\(Safetensors.checksumPrefix)\" and 8 lowercase hex digits "
                            + "(the CRC-32C of the data section), found \(value.summary)")
        }
        return (metadata, checksum)
    }

    func readEntry(_ name: String, _ value: SafetensorsJSON.Value, dataLength: Int) throws -> Safetensors.TensorInfo {
        guard case .object(let members) = value.content else {
            throw error(.wrongFieldType, at: value, tensor: name,
                        "expected an object with dtype, shape and data_offsets, found \(value.summary)")
        }
        func field(_ key: String) throws -> SafetensorsJSON.Value {
            guard let member = members.first(where: { $0.key == key }) else {
                throw error(.missingField, at: value, tensor: name,
                            "expected a \"\(key)\" field, found only "
                                + (members.isEmpty ? "an empty object" : members.map { "\"\($0.key)\"" }.joined(separator: ", ")))
            }
            return member.value
        }
        // Check field presence and types first, so a missing field is reported as such.
        let dtypeValue = try field("dtype"), shapeValue = try field("shape"), offsetsValue = try field("data_offsets")
        guard case .string(let dtypeName) = dtypeValue.content else {
            throw error(.wrongFieldType, at: dtypeValue, tensor: name, "expected dtype as a string, found \(dtypeValue.summary)")
        }
        guard case .array(let shapeElements) = shapeValue.content else {
            throw error(.wrongFieldType, at: shapeValue, tensor: name, "expected shape as an array, found \(shapeValue.summary)")
        }
        guard case .array(let offsetElements) = offsetsValue.content else {
            throw error(.wrongFieldType, at: offsetsValue, tensor: name,
                        "expected data_offsets as an array, found \(offsetsValue.summary)")
        }
        guard let dtype = Safetensors.DType(rawValue: dtypeName) else {
            throw error(.unsupportedDType, at: dtypeValue, tensor: name,
                        "expected one of F32, F64, I32, I64, found \"\(dtypeName)\"")
        }
        let shape = try readShape(shapeElements, name: name)
        let offsets = try readOffsets(offsetElements, at: offsetsValue, name: name)
        // The element count cannot overflow (readShape checked), but the byte count can.
        let (byteCount, overflow) = shape.reduce(1, *).multipliedReportingOverflow(by: dtype.byteWidth)
        guard !overflow else {
            throw error(.invalidShape, at: shapeValue, tensor: name, "shape \(shape) of \(dtypeName) overflows a byte count")
        }
        guard offsets.count == byteCount else {
            throw error(.byteCountMismatch, at: offsetsValue, tensor: name,
                        "shape \(shape) of \(dtypeName) needs \(byteCount) bytes, data_offsets "
                            + "[\(offsets.lowerBound), \(offsets.upperBound)] hold \(offsets.count)")
        }
        guard offsets.upperBound <= dataLength else {
            throw error(.offsetsOutOfRange, at: offsetsValue, tensor: name,
                        "expected data_offsets within the \(dataLength)-byte data section, "
                            + "found [\(offsets.lowerBound), \(offsets.upperBound)]")
        }
        return Safetensors.TensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: offsets)
    }

    /// Extents must be non-negative integers whose product fits in `Int` even with the zero
    /// extents left out: `[0, 2^62, 4]` has no elements, but its strides would overflow.
    func readShape(_ elements: [SafetensorsJSON.Value], name: String) throws -> [Int] {
        var shape: [Int] = []
        var nonzeroProduct = 1
        for element in elements {
            guard case .number(_, let integer?) = element.content, integer >= 0 else {
                throw error(.invalidShape, at: element, tensor: name,
                            "expected non-negative integer extents, found \(element.summary)")
            }
            let (product, overflow) = nonzeroProduct.multipliedReportingOverflow(by: max(integer, 1))
            guard !overflow else {
                throw error(.invalidShape, at: element, tensor: name,
                            "expected extents whose product fits in \(Int.bitWidth) bits, found \(shape + [integer]) so far")
            }
            shape.append(integer)
            nonzeroProduct = product
        }
        return shape
    }

    func readOffsets(_ elements: [SafetensorsJSON.Value], at value: SafetensorsJSON.Value, name: String) throws -> Range<Int> {
        guard elements.count == 2 else {
            throw error(.invalidOffsets, at: value, tensor: name,
                        "expected data_offsets as [begin, end], found \(value.summary)")
        }
        var bounds: [Int] = []
        for element in elements {
            guard case .number(_, let integer?) = element.content, integer >= 0 else {
                throw error(.invalidOffsets, at: element, tensor: name,
                            "expected a non-negative integer offset, found \(element.summary)")
            }
            bounds.append(integer)
        }
        guard bounds[0] <= bounds[1] else {
            throw error(.reversedOffsets, at: value, tensor: name,
                        "expected begin <= end, found [\(bounds[0]), \(bounds[1])]")
        }
        return bounds[0]..<bounds[1]
    }

    /// Each data byte must belong to exactly one tensor: sorted by offsets, each range
    /// starts where the previous one ended, and the last ends at the end of the file.
    func checkCoverage(_ infos: [String: Safetensors.TensorInfo], dataLength: Int, offsets: [String: Int]) throws {
        let sorted = infos.values.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name)
                < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        var covered = 0
        var previousName = ""
        for info in sorted {
            let range = info.dataOffsets
            if range.lowerBound < covered {
                throw error(.overlappingRanges, at: offsets[info.name], tensor: info.name,
                            "expected data to start at byte \(covered) or later (where \"\(previousName)\" ends), "
                                + "found data_offsets [\(range.lowerBound), \(range.upperBound)]")
            }
            if range.lowerBound > covered {
                throw error(.uncoveredData, at: offsets[info.name], tensor: info.name,
                            "expected this tensor to start at data byte \(covered) (where the previous one ends), "
                                + "found \(range.lowerBound): bytes [\(covered), \(range.lowerBound)) belong to no tensor")
            }
            covered = range.upperBound
            previousName = info.name
        }
        if covered != dataLength {
            throw error(.uncoveredData, at: fileSize - (dataLength - covered),
                        "expected the tensors to end at the end of the file, found \(dataLength - covered) "
                            + "bytes after the last tensor")
        }
    }
}
