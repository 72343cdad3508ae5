// DEFLATE, zlib and gzip decoding against streams made by Python's zlib and gzip modules,
// and every kind of malformed stream the decoders must reject with a clear error.

import Datasets
import Foundation
import Testing

@Suite("Inflate, zlib and gzip")
struct InflateTests {
    static let zlibFixtures = ["text.level1.zz", "text.level9.zz", "text.fixed.zz", "noise.level0.zz",
                               "run.level1.zz", "run.level9.zz", "run.fixed.zz",
                               "empty.level1.zz", "empty.level9.zz", "empty.fixed.zz"]

    @Test("zlib streams from Python's zlib decode to their source", arguments: zlibFixtures)
    func zlibFixture(_ name: String) throws {
        let source = try fixtureBytes("deflate/" + name.split(separator: ".")[0] + ".raw")
        let compressed = try fixtureBytes("deflate/" + name)
        let output = try ZlibDecoder.decompress(compressed, maximumOutputCount: source.count)
        #expect(output == source)
    }

    @Test("raw DEFLATE streams decode and report where they end", arguments: ["text", "run", "empty"])
    func rawDeflate(_ name: String) throws {
        let source = try fixtureBytes("deflate/\(name).raw")
        let compressed = try fixtureBytes("deflate/\(name).deflate")
        let trailer: [UInt8] = [0xDE, 0xAD]
        let (output, end) = try Inflate.decompress(compressed + trailer, maximumOutputCount: source.count)
        #expect(output == source)
        #expect(end == compressed.count)
    }

    @Test("gzip: several members, file name, comment and header CRC")
    func gzipFixtures() throws {
        let text = try fixtureBytes("deflate/text.raw")
        #expect(try GzipDecoder.decompress(try fixtureBytes("deflate/text.two-members.gz"),
                                           maximumOutputCount: 1 << 20) == text)
        let run = try fixtureBytes("deflate/run.raw")
        #expect(try GzipDecoder.decompress(try fixtureBytes("deflate/run.header-crc.gz"),
                                           maximumOutputCount: 1 << 20) == run)
    }

    @Test("output beyond the promised size is an error, not an allocation")
    func outputLimit() throws {
        let compressed = try fixtureBytes("deflate/run.level9.zz")
        let error = expectDatasetError { _ = try ZlibDecoder.decompress(compressed, maximumOutputCount: 1000, source: "run") }
        expectMalformed(error, file: "run", mentioning: ["exceeds", "1000"])
    }

    @Test("every truncation of a zlib and a gzip stream throws")
    func truncations() throws {
        for name in ["deflate/text.level9.zz", "deflate/run.fixed.zz"] {
            let stream = try fixtureBytes(name)
            for length in 0..<stream.count {
                expectDatasetError("\(name) cut at \(length)") {
                    _ = try ZlibDecoder.decompress(Array(stream[..<length]), maximumOutputCount: 1 << 20)
                }
            }
        }
        let gzip = try fixtureBytes("deflate/run.header-crc.gz")
        for length in 0..<gzip.count {
            expectDatasetError("gzip cut at \(length)") {
                _ = try GzipDecoder.decompress(Array(gzip[..<length]), maximumOutputCount: 1 << 20)
            }
        }
    }

    // MARK: - Crafted DEFLATE errors

    private func inflateError(_ stream: [UInt8]) -> DatasetError? {
        expectDatasetError { _ = try Inflate.decompress(stream, maximumOutputCount: 1 << 16, source: "crafted") }
    }

    @Test("reserved block type 3")
    func reservedBlockType() {
        expectMalformed(inflateError([0x07]), file: "crafted", mentioning: ["block type 3", "reserved"])
    }

    @Test("stored block whose length does not match its complement")
    func storedLengthMismatch() {
        expectMalformed(inflateError([0x01, 0x05, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5]), file: "crafted",
                        mentioning: ["complement"])
        expectMalformed(inflateError([0x01, 0x05, 0x00, 0xFA, 0xFF, 1, 2]), file: "crafted", mentioning: ["only 2 remain"])
    }

    @Test("back-reference before the start of the output")
    func distanceTooFar() {
        var writer = DeflateBitWriter()
        writer.write(1, bits: 1)
        writer.write(1, bits: 2)  // fixed Huffman
        writer.writeFixedSymbol(Int(UInt8(ascii: "a")))
        writer.writeFixedSymbol(257)  // length 3
        writer.writeCode(4, length: 5)  // distance symbol 4: 5 + 1 extra bit
        writer.write(0, bits: 1)  // distance 5, but only 1 byte exists
        writer.writeFixedSymbol(256)
        expectMalformed(inflateError(writer.bytes), file: "crafted", mentioning: ["distance 5", "before the start"])
    }

    @Test("literal/length symbols 286, 287 and distance symbols 30, 31 are invalid")
    func invalidSymbols() {
        for symbol in [286, 287] {
            var writer = DeflateBitWriter()
            writer.write(3, bits: 3)  // final, fixed
            writer.writeFixedSymbol(symbol)
            expectMalformed(inflateError(writer.bytes), file: "crafted", mentioning: ["symbol \(symbol)"])
        }
        var writer = DeflateBitWriter()
        writer.write(3, bits: 3)
        writer.writeFixedSymbol(65)
        writer.writeFixedSymbol(257)
        writer.writeCode(30, length: 5)
        expectMalformed(inflateError(writer.bytes), file: "crafted", mentioning: ["distance symbol 30"])
    }

    /// A dynamic block header with the code-length code lengths given (in RFC order).
    private func dynamicHeader(literals: Int = 257, distances: Int = 1, codeLengthLengths: [Int]) -> DeflateBitWriter {
        var writer = DeflateBitWriter()
        writer.write(1, bits: 1)
        writer.write(2, bits: 2)
        writer.write(literals - 257, bits: 5)
        writer.write(distances - 1, bits: 5)
        writer.write(codeLengthLengths.count - 4, bits: 4)
        for length in codeLengthLengths { writer.write(length, bits: 3) }
        return writer
    }

    @Test("over-subscribed and incomplete Huffman codes")
    func badCodeLengths() {
        let over = dynamicHeader(codeLengthLengths: Array(repeating: 1, count: 19))
        expectMalformed(inflateError(over.bytes + [0, 0, 0]), file: "crafted", mentioning: ["over-subscribed", "code-length"])
        let incomplete = dynamicHeader(codeLengthLengths: [0, 0, 0, 1])  // only symbol 0 has a code
        expectMalformed(inflateError(incomplete.bytes + [0, 0, 0]), file: "crafted", mentioning: ["incomplete"])
    }

    @Test("too many literal/length or distance codes declared")
    func tooManyCodes() {
        var writer = DeflateBitWriter()
        writer.write(5, bits: 3)  // final, dynamic
        writer.write(30, bits: 5)  // 287 literal/length codes
        writer.write(0, bits: 5)
        writer.write(0, bits: 4)
        expectMalformed(inflateError(writer.bytes + [0, 0]), file: "crafted", mentioning: ["287", "at most 286"])
        writer = DeflateBitWriter()
        writer.write(5, bits: 3)
        writer.write(0, bits: 5)
        writer.write(30, bits: 5)  // 31 distance codes
        writer.write(0, bits: 4)
        expectMalformed(inflateError(writer.bytes + [0, 0]), file: "crafted", mentioning: ["31 distance", "at most 30"])
    }

    @Test("code-length repeat with nothing to repeat, and a block without end-of-block code")
    func badRepeats() {
        // Code-length code: symbols 16 and 0 both of length 1 (order starts 16, 17, 18, 0).
        var first = dynamicHeader(codeLengthLengths: [1, 0, 0, 1])
        first.writeCode(1, length: 1)  // symbol 16 (canonical: 0 -> 0, 16 -> 1)
        first.write(0, bits: 2)
        expectMalformed(inflateError(first.bytes + [0, 0]), file: "crafted", mentioning: ["repeat", "before any length"])
        // Symbols 18 (zeros, 11-138) and 8: all 258 lengths zero, so 256 has no code.
        var noEnd = dynamicHeader(distances: 1, codeLengthLengths: [0, 0, 1, 0, 1])
        noEnd.writeCode(1, length: 1)  // 18
        noEnd.write(127, bits: 7)  // 138 zeros
        noEnd.writeCode(1, length: 1)
        noEnd.write(109, bits: 7)  // 120 zeros: 258 in total
        expectMalformed(inflateError(noEnd.bytes + [0, 0]), file: "crafted", mentioning: ["end-of-block"])
        var overrun = dynamicHeader(distances: 1, codeLengthLengths: [0, 0, 1, 0, 1])
        for _ in 0..<2 { overrun.writeCode(1, length: 1); overrun.write(127, bits: 7) }  // 276 > 258
        expectMalformed(inflateError(overrun.bytes + [0, 0]), file: "crafted", mentioning: ["runs past"])
    }

    @Test("bits that match no code word of an incomplete (single-code) literal/length code")
    func noMatchingCode() throws {
        // Code-length code: 18 -> "0", 0 -> "10", 1 -> "11" (RFC order 16, 17, 18, 0, ..., 1).
        var writer = dynamicHeader(codeLengthLengths: [0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])
        writer.writeCode(0, length: 1)
        writer.write(127, bits: 7)  // 138 zero lengths
        writer.writeCode(0, length: 1)
        writer.write(107, bits: 7)  // 118 more: symbols 0...255 unused
        writer.writeCode(3, length: 2)  // symbol 256 gets length 1: the only literal/length code, "0"
        writer.writeCode(2, length: 2)  // the one distance length is 0
        writer.writeCode(1, length: 1)  // "1": no code word starts so
        expectMalformed(inflateError(writer.bytes + [0, 0]), file: "crafted", mentioning: ["invalid literal/length Huffman code"])
        // The same stream with "0" instead is a valid empty block: the construction is right.
        var valid = dynamicHeader(codeLengthLengths: [0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])
        valid.writeCode(0, length: 1)
        valid.write(127, bits: 7)
        valid.writeCode(0, length: 1)
        valid.write(107, bits: 7)
        valid.writeCode(3, length: 2)
        valid.writeCode(2, length: 2)
        valid.writeCode(0, length: 1)
        #expect(try Inflate.decompress(valid.bytes, maximumOutputCount: 10).output.isEmpty)
    }

    // MARK: - Containers

    @Test("zlib header, dictionary, checksum and trailing-data errors")
    func zlibErrors() throws {
        let good = try fixtureBytes("deflate/text.level9.zz")
        func zlibError(_ bytes: [UInt8]) -> DatasetError? {
            expectDatasetError { _ = try ZlibDecoder.decompress(bytes, maximumOutputCount: 1 << 20, source: "z") }
        }
        expectMalformed(zlibError([0x78]), file: "z", mentioning: ["2 bytes"])
        expectMalformed(zlibError([0x77, 0x9C] + good.dropFirst(2)), file: "z", mentioning: ["method 7"])
        expectMalformed(zlibError([0x78, 0x9D] + good.dropFirst(2)), file: "z", mentioning: ["multiple of 31"])
        guard case .unsupported? = zlibError([0x78, 0xBB] + good.dropFirst(2)) else {
            Issue.record("a preset dictionary should be reported as unsupported")
            return
        }
        var badAdler = good
        badAdler[badAdler.count - 1] ^= 0x01
        expectMalformed(zlibError(badAdler), file: "z", mentioning: ["Adler-32"])
        expectMalformed(zlibError(good + [0]), file: "z", mentioning: ["1 unexpected bytes"])
    }

    @Test("gzip magic, method, flag, CRC, size and header-CRC errors")
    func gzipErrors() throws {
        let good = try fixtureBytes("deflate/run.header-crc.gz")
        func gzipError(_ bytes: [UInt8]) -> DatasetError? {
            expectDatasetError { _ = try GzipDecoder.decompress(bytes, maximumOutputCount: 1 << 20, source: "g") }
        }
        func patched(_ offset: Int, _ value: UInt8) -> [UInt8] {
            var copy = good
            copy[offset] = value
            return copy
        }
        expectMalformed(gzipError(patched(1, 0x8C)), file: "g", mentioning: ["magic", "1f 8c"])
        expectMalformed(gzipError(patched(2, 7)), file: "g", mentioning: ["method 7"])
        expectMalformed(gzipError(patched(3, good[3] | 0x80)), file: "g", mentioning: ["reserved"])
        expectMalformed(gzipError(patched(20, good[20] ^ 1)), file: "g", mentioning: ["header CRC"])  // inside the comment
        expectMalformed(gzipError(patched(good.count - 8, good[good.count - 8] ^ 1)), file: "g", mentioning: ["CRC-32"])
        expectMalformed(gzipError(patched(good.count - 4, good[good.count - 4] ^ 1)), file: "g", mentioning: ["trailer says"])
        expectMalformed(gzipError(good + [0x1F]), file: "g", mentioning: ["10 bytes"])
    }
}
