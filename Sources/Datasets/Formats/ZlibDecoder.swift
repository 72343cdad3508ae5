// The zlib container (RFC 1950) around a DEFLATE stream: header check, no preset
// dictionary, and the Adler-32 of the output, as PNG image data uses it.

/// Decodes zlib streams (RFC 1950): a 2-byte header, DEFLATE data and an Adler-32 trailer.
public enum ZlibDecoder {
    /// Decompresses the zlib stream that makes up all of `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: exactly one zlib stream; bytes after its trailer are an error.
    ///   - maximumOutputCount: the most bytes the stream may produce (PNG passes the exact
    ///     size its header implies), which bounds the allocation.
    ///   - source: the file name used in error messages.
    ///   - format: the format name used in error messages (e.g. "zlib data of PNG IDAT").
    /// - Throws: ``DatasetError`` for a bad header, a preset dictionary (unsupported), bad
    ///   DEFLATE data, a wrong Adler-32, a missing trailer or trailing bytes.
    public static func decompress(
        _ bytes: [UInt8], maximumOutputCount: Int, source: String = "(memory)", format: String = "zlib"
    ) throws -> [UInt8] {
        let context = DecodingContext(file: source, format: format)
        guard bytes.count >= 2 else {
            throw context.malformed("zlib header needs 2 bytes, found \(bytes.count)", at: 0)
        }
        let method = bytes[0], flags = bytes[1]
        guard method & 0x0F == 8 else {
            throw context.malformed("compression method \(method & 0x0F), expected 8 (deflate)", at: 0)
        }
        guard method >> 4 <= 7 else {
            throw context.malformed("window size field \(method >> 4) exceeds 7 (32 KiB)", at: 0)
        }
        guard (UInt16(method) << 8 | UInt16(flags)) % 31 == 0 else {
            throw context.malformed("header check bits: 0x\(String(method, radix: 16))\(String(flags, radix: 16)) "
                                    + "is not a multiple of 31", at: 0)
        }
        guard flags & 0x20 == 0 else {
            throw context.unsupported("zlib stream with a preset dictionary (FDICT)")
        }
        let (output, end) = try Inflate.decompress(bytes, from: 2, maximumOutputCount: maximumOutputCount,
                                                   source: source, format: format)
        guard end + 4 <= bytes.count else {
            throw context.malformed("Adler-32 trailer needs 4 bytes after the DEFLATE data, found \(bytes.count - end)",
                                    at: end)
        }
        let stored = UInt32(bytes[end]) << 24 | UInt32(bytes[end + 1]) << 16 | UInt32(bytes[end + 2]) << 8
            | UInt32(bytes[end + 3])
        let computed = Adler32.checksum(output)
        guard stored == computed else {
            throw context.malformed("Adler-32 of the data is 0x\(String(computed, radix: 16)), "
                                    + "the trailer says 0x\(String(stored, radix: 16))", at: end)
        }
        guard end + 4 == bytes.count else {
            throw context.malformed("\(bytes.count - end - 4) unexpected bytes after the end of the zlib stream",
                                    at: end + 4)
        }
        return output
    }
}
