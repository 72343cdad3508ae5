// Raw DEFLATE decompression (RFC 1951): stored, fixed-Huffman and dynamic-Huffman blocks,
// with the output capped by the caller so that a few input bytes cannot demand gigabytes.

/// Decompresses raw DEFLATE data (RFC 1951), the payload of zlib and gzip containers.
///
/// Every malformed input throws a ``DatasetError/malformed(file:format:offset:reason:)``
/// with the byte offset (within `bytes`) of the problem: a reserved block type, a stored
/// block whose length does not match its complement, an over-subscribed or incomplete
/// Huffman code, a code that matches no symbol, a back-reference before the start of the
/// output, a stream that ends early, or output beyond `maximumOutputCount`.
public enum Inflate {
    /// Decompresses the raw DEFLATE stream that starts at `bytes[start]`.
    ///
    /// - Parameters:
    ///   - bytes: the compressed data; the stream may be followed by other data (a trailer).
    ///   - start: the offset of the stream's first byte.
    ///   - maximumOutputCount: the most bytes the stream may produce; more is an error.
    ///     Containers pass the size their header promises, so allocation is bounded by it.
    ///   - source: the file name used in error messages.
    ///   - format: the format name used in error messages.
    /// - Returns: the decompressed bytes and the offset of the first byte after the stream.
    public static func decompress(
        _ bytes: [UInt8], from start: Int = 0, maximumOutputCount: Int,
        source: String = "(memory)", format: String = "DEFLATE"
    ) throws -> (output: [UInt8], endOffset: Int) {
        let context = DecodingContext(file: source, format: format)
        guard start >= 0, start <= bytes.count else {
            throw context.malformed("stream start \(start) is outside the \(bytes.count) input bytes")
        }
        guard maximumOutputCount >= 0 else {
            throw DatasetError.invalidArgument("Inflate.decompress: maximumOutputCount must be >= 0, got \(maximumOutputCount)")
        }
        return try bytes.withUnsafeBufferPointer { input in
            var reader = InflateBitReader(input, start: start)
            // A deflate stream expands at most 1032:1; start from a modest guess and double.
            let guess = min(maximumOutputCount, max(4096, (input.count - start) * 4))
            let output = InflateOutput(limit: maximumOutputCount, initialCapacity: guess, context: context)
            var isFinal = false
            repeat {
                let blockOffset = reader.byteOffset
                reader.refill()
                let header = Int(reader.peek(3))
                reader.consume(3)
                try reader.checkNotOverrun(context)
                isFinal = header & 1 == 1
                switch header >> 1 {
                case 0:
                    try copyStoredBlock(&reader, into: output, context: context)
                case 1:
                    try decodeBlock(&reader, literals: fixedTables.literals, distances: fixedTables.distances,
                                    into: output, context: context)
                case 2:
                    let tables = try readDynamicTables(&reader, context: context)
                    try decodeBlock(&reader, literals: tables.literals, distances: tables.distances,
                                    into: output, context: context)
                default:
                    throw context.malformed("block type 3 is reserved (expected 0 stored, 1 fixed or 2 dynamic)", at: blockOffset)
                }
            } while !isFinal
            reader.alignToByte()
            return (output.makeArray(), reader.byteOffset)
        }
    }

    // MARK: - Blocks

    private static let lengthBase: [Int] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
        35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    private static let lengthExtraBits: [Int] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase: [Int] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
        257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtraBits: [Int] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    private static let fixedTables: (literals: InflateHuffmanTable, distances: InflateHuffmanTable) = {
        // RFC 1951 3.2.6. These lengths are constants, so building them cannot fail.
        var literalLengths = [UInt8](repeating: 8, count: 288)
        for symbol in 144..<256 { literalLengths[symbol] = 9 }
        for symbol in 256..<280 { literalLengths[symbol] = 7 }
        let context = DecodingContext(file: "(fixed tables)", format: "DEFLATE")
        let literals = try! InflateHuffmanTable(lengths: literalLengths[...], allowsIncomplete: false,
                                                name: "fixed literal/length", context: context, offset: 0)
        let distances = try! InflateHuffmanTable(lengths: [UInt8](repeating: 5, count: 32)[...], allowsIncomplete: false,
                                                 name: "fixed distance", context: context, offset: 0)
        return (literals, distances)
    }()

    private static func copyStoredBlock(_ reader: inout InflateBitReader, into output: InflateOutput,
                                        context: DecodingContext) throws {
        reader.alignToByte()
        let offset = reader.byteOffset
        let input = reader.input
        guard offset + 4 <= input.count else {
            throw context.malformed("stored block header needs 4 bytes, found \(max(0, input.count - offset))", at: offset)
        }
        let length = Int(input[offset]) | Int(input[offset + 1]) << 8
        let complement = Int(input[offset + 2]) | Int(input[offset + 3]) << 8
        guard length == complement ^ 0xFFFF else {
            throw context.malformed("stored block length \(length) does not match its one's complement \(complement)", at: offset)
        }
        guard offset + 4 + length <= input.count else {
            throw context.malformed("stored block of \(length) bytes, but only \(input.count - offset - 4) remain", at: offset)
        }
        try output.append(UnsafeBufferPointer(rebasing: input[(offset + 4)..<(offset + 4 + length)]))
        reader.seek(toByte: offset + 4 + length)
    }

    private static func readDynamicTables(_ reader: inout InflateBitReader, context: DecodingContext) throws
        -> (literals: InflateHuffmanTable, distances: InflateHuffmanTable)
    {
        let offset = reader.byteOffset
        let literalCount = reader.read(5) + 257
        let distanceCount = reader.read(5) + 1
        let codeLengthCount = reader.read(4) + 4
        guard literalCount <= 286 else {
            throw context.malformed("dynamic block declares \(literalCount) literal/length codes (at most 286)", at: offset)
        }
        guard distanceCount <= 30 else {
            throw context.malformed("dynamic block declares \(distanceCount) distance codes (at most 30)", at: offset)
        }
        // The code-length code's lengths come in this fixed permutation (RFC 1951 3.2.7).
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for index in 0..<codeLengthCount { codeLengthLengths[order[index]] = UInt8(reader.read(3)) }
        try reader.checkNotOverrun(context)
        let codeLengthTable = try InflateHuffmanTable(lengths: codeLengthLengths[...], allowsIncomplete: false,
                                                      name: "code-length", context: context, offset: offset)

        let total = literalCount + distanceCount
        var lengths = [UInt8](repeating: 0, count: total)
        var index = 0
        while index < total {
            reader.refill()
            let symbol = try codeLengthTable.decode(&reader, context: context, name: "code-length")
            if symbol < 16 {
                lengths[index] = UInt8(symbol)
                index += 1
                continue
            }
            var value: UInt8 = 0
            let repeatCount: Int
            switch symbol {
            case 16:
                guard index > 0 else {
                    throw context.malformed("code-length repeat (16) before any length was given", at: reader.byteOffset)
                }
                value = lengths[index - 1]
                repeatCount = 3 + Int(reader.peek(2))
                reader.consume(2)
            case 17:
                repeatCount = 3 + Int(reader.peek(3))
                reader.consume(3)
            default:
                repeatCount = 11 + Int(reader.peek(7))
                reader.consume(7)
            }
            guard index + repeatCount <= total else {
                throw context.malformed("code-length repeat of \(repeatCount) runs past the \(total) declared lengths",
                                        at: reader.byteOffset)
            }
            for position in index..<(index + repeatCount) { lengths[position] = value }
            index += repeatCount
            try reader.checkNotOverrun(context)
        }
        try reader.checkNotOverrun(context)
        guard lengths[256] != 0 else {
            throw context.malformed("dynamic block gives the end-of-block symbol 256 no code", at: offset)
        }
        let literals = try InflateHuffmanTable(lengths: lengths[0..<literalCount], allowsIncomplete: true,
                                               name: "literal/length", context: context, offset: offset)
        let distances = try InflateHuffmanTable(lengths: lengths[literalCount..<total], allowsIncomplete: true,
                                                name: "distance", context: context, offset: offset)
        return (literals, distances)
    }

    /// Decodes literal and length/distance symbols until end-of-block (256).
    private static func decodeBlock(
        _ reader: inout InflateBitReader, literals: InflateHuffmanTable, distances: InflateHuffmanTable,
        into output: InflateOutput, context: DecodingContext
    ) throws {
        let lengthBase = Self.lengthBase, lengthExtraBits = Self.lengthExtraBits
        let distanceBase = Self.distanceBase, distanceExtraBits = Self.distanceExtraBits
        // Locals, not the class's properties, in the loop: no exclusivity checks per byte.
        var base = output.base
        var count = output.count
        var capacity = output.capacity
        defer { output.count = count }
        while true {
            // 56 buffered bits cover the longest symbol: 15 + 5 extra + 15 + 13 extra bits.
            reader.refill()
            let symbol = try literals.decode(&reader, context: context, name: "literal/length")
            if symbol < 256 {
                try reader.checkNotOverrun(context)
                if count == capacity {
                    output.count = count
                    try output.grow(toHold: count + 1)
                    (base, capacity) = (output.base, output.capacity)
                }
                base[count] = UInt8(truncatingIfNeeded: symbol)
                count += 1
                continue
            }
            if symbol == 256 {
                try reader.checkNotOverrun(context)
                return
            }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else {
                throw context.malformed("literal/length symbol \(symbol) is invalid (expected 0...285)", at: reader.byteOffset)
            }
            let lengthExtra = lengthExtraBits[lengthIndex]
            let length = lengthBase[lengthIndex] + Int(reader.peek(lengthExtra))
            reader.consume(lengthExtra)
            let distanceSymbol = try distances.decode(&reader, context: context, name: "distance")
            guard distanceSymbol < 30 else {
                throw context.malformed("distance symbol \(distanceSymbol) is invalid (expected 0...29)", at: reader.byteOffset)
            }
            let distanceExtra = distanceExtraBits[distanceSymbol]
            let distance = distanceBase[distanceSymbol] + Int(reader.peek(distanceExtra))
            reader.consume(distanceExtra)
            try reader.checkNotOverrun(context)
            guard distance <= count else {
                throw context.malformed("back-reference distance \(distance) reaches before the start of the output "
                                        + "(\(count) bytes so far)", at: reader.byteOffset)
            }
            if count + length > capacity {
                output.count = count
                try output.grow(toHold: count + length)
                (base, capacity) = (output.base, output.capacity)
            }
            // Byte by byte on purpose: a distance shorter than the length repeats bytes just written.
            var from = count - distance
            for target in count..<(count + length) {
                base[target] = base[from]
                from += 1
            }
            count += length
        }
    }
}

/// The growing output buffer of ``Inflate``, never larger than its limit.
final class InflateOutput {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0
    let limit: Int
    let context: DecodingContext

    init(limit: Int, initialCapacity: Int, context: DecodingContext) {
        self.limit = limit
        self.capacity = max(1, initialCapacity)
        self.base = .allocate(capacity: max(1, initialCapacity))
        self.context = context
    }

    deinit { base.deallocate() }

    /// Reallocates so that `needed` bytes fit, doubling but never past `limit`.
    func grow(toHold needed: Int) throws {
        guard needed <= limit else {
            throw context.malformed("decompressed data exceeds the expected \(limit) bytes")
        }
        if needed <= capacity { return }
        let newCapacity = min(limit, max(needed, capacity * 2))
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    func append(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if count + bytes.count > capacity { try grow(toHold: count + bytes.count) }
        if let source = bytes.baseAddress { (base + count).update(from: source, count: bytes.count) }
        count += bytes.count
    }

    func makeArray() -> [UInt8] {
        Array(UnsafeBufferPointer(start: base, count: count))
    }
}
