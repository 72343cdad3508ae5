// The gzip container (RFC 1952) that the MNIST downloads use: member headers, DEFLATE data,
// and the CRC-32 and size trailer of each member.

/// Decodes gzip files (RFC 1952), including files of several concatenated members.
public enum GzipDecoder {
    /// Whether `bytes` starts with the gzip magic number 1F 8B.
    public static func hasGzipMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses every member of the gzip file `bytes` and concatenates their outputs.
    ///
    /// - Parameters:
    ///   - maximumOutputCount: the most bytes all members together may produce; a file that
    ///     would produce more is an error, so a small file cannot demand a huge allocation.
    ///   - source: the file name used in error messages.
    /// - Throws: ``DatasetError`` for a bad magic number or method, reserved flags, a
    ///   truncated header or trailer, bad DEFLATE data, a wrong CRC-32 or size, or trailing
    ///   bytes that are not another member.
    public static func decompress(_ bytes: [UInt8], maximumOutputCount: Int, source: String = "(memory)") throws -> [UInt8] {
        let context = DecodingContext(file: source, format: "gzip")
        var output: [UInt8] = []
        var offset = 0
        repeat {
            let dataStart = try parseHeader(bytes, at: offset, context: context)
            let remaining = maximumOutputCount - output.count
            let (member, end) = try Inflate.decompress(bytes, from: dataStart, maximumOutputCount: remaining,
                                                       source: source, format: "gzip (DEFLATE data)")
            guard end + 8 <= bytes.count else {
                throw context.malformed("member trailer (CRC-32 and size) needs 8 bytes, found \(bytes.count - end)", at: end)
            }
            let storedCRC = littleEndian32(bytes, end)
            let storedSize = littleEndian32(bytes, end + 4)
            let computedCRC = CRC32.checksum(member)
            guard storedCRC == computedCRC else {
                throw context.malformed("CRC-32 of the data is 0x\(String(computedCRC, radix: 16)), "
                                        + "the trailer says 0x\(String(storedCRC, radix: 16))", at: end)
            }
            guard storedSize == UInt32(truncatingIfNeeded: member.count) else {
                throw context.malformed("member decompressed to \(member.count) bytes, the trailer says \(storedSize) "
                                        + "(mod 2^32)", at: end + 4)
            }
            if output.isEmpty { output = member } else { output.append(contentsOf: member) }
            offset = end + 8
        } while offset < bytes.count
        return output
    }

    private static func littleEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    /// Checks a member header at `start` and returns the offset of its DEFLATE data.
    private static func parseHeader(_ bytes: [UInt8], at start: Int, context: DecodingContext) throws -> Int {
        guard start + 10 <= bytes.count else {
            throw context.malformed("member header needs 10 bytes, found \(bytes.count - start)", at: start)
        }
        guard bytes[start] == 0x1F, bytes[start + 1] == 0x8B else {
            let found = hexDescription(bytes[start..<(start + 2)])
            throw context.malformed("magic number \(found), expected 1f 8b", at: start)
        }
        guard bytes[start + 2] == 8 else {
            throw context.malformed("compression method \(bytes[start + 2]), expected 8 (deflate)", at: start + 2)
        }
        let flags = bytes[start + 3]
        guard flags & 0xE0 == 0 else {
            throw context.malformed("reserved flag bits set (flags 0x\(String(flags, radix: 16)))", at: start + 3)
        }
        var offset = start + 10
        if flags & 0x04 != 0 {  // FEXTRA: a 2-byte length and that many bytes
            guard offset + 2 <= bytes.count else {
                throw context.malformed("extra field length needs 2 bytes", at: offset)
            }
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            guard offset + 2 + length <= bytes.count else {
                throw context.malformed("extra field of \(length) bytes runs past the end of the file", at: offset)
            }
            offset += 2 + length
        }
        for (flag, name) in [(UInt8(0x08), "file name"), (UInt8(0x10), "comment")] where flags & flag != 0 {
            guard let terminator = bytes[offset...].firstIndex(of: 0) else {
                throw context.malformed("\(name) field has no terminating zero byte", at: offset)
            }
            offset = terminator + 1
        }
        if flags & 0x02 != 0 {  // FHCRC: the low 16 bits of the header's CRC-32
            guard offset + 2 <= bytes.count else {
                throw context.malformed("header CRC needs 2 bytes", at: offset)
            }
            let stored = UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
            let computed = UInt16(truncatingIfNeeded: CRC32.checksum(bytes[start..<offset]))
            guard stored == computed else {
                throw context.malformed("header CRC-16 is 0x\(String(computed, radix: 16)), "
                                        + "the header says 0x\(String(stored, radix: 16))", at: offset)
            }
            offset += 2
        }
        return offset
    }
}
