// Baseline JPEG decoding: every fixture within the documented tolerance of Pillow's
// (libjpeg-turbo's) decoding, unsupported features named, and broken files rejected.

import Datasets
import Foundation
import Testing

/// How far our samples may be from libjpeg-turbo's (Pillow's) for the same file.
///
/// Both decoders follow T.81, but libjpeg's default "islow" IDCT works in scaled integers
/// (13 fractional bits, intermediate rounding) where ours computes the exact transform in
/// Float; the two round a sample differently when the exact value lies near .5, so luma
/// differs by at most 1. A chroma difference of 1 becomes up to 1.772 after colour
/// conversion (B = Y + 1.772 Cb'), which with the luma difference and the final rounding
/// bounds an RGB sample difference by 3. Upsampling and colour conversion use libjpeg's
/// exact integer formulas, so they add nothing. Most samples agree exactly (about 97% in
/// the fixtures): on images of at least 1000 samples, where a mean means something, the
/// mean absolute difference must stay below 0.1.
enum JPEGTolerance {
    static let maximumDifference = 3
    static let meanDifference = 0.1
    static let samplesForMean = 1000
}

@Suite("JPEG decoder")
struct JPEGDecoderTests {
    @Test("decoded samples are within the documented tolerance of Pillow's", arguments: FixtureManifest.shared.jpeg)
    func matchesPillow(_ fixture: ImageFixture) throws {
        let image = try JPEGDecoder().decode(try fixtureBytes("jpeg/" + fixture.file), source: fixture.file)
        #expect(image.width == fixture.width)
        #expect(image.height == fixture.height)
        #expect(image.channels == fixture.channels)
        let expected = try fixture.expectedSamples(kind: "jpeg")
        try #require(image.samples.count == expected.count)
        let differences = zip(image.samples, expected).map { abs(Int($0) - Int($1)) }
        let maximum = differences.max() ?? 0
        let mean = Double(differences.reduce(0, +)) / Double(max(differences.count, 1))
        let exact = Double(differences.filter { $0 == 0 }.count) / Double(max(differences.count, 1))
        #expect(maximum <= JPEGTolerance.maximumDifference, "\(fixture.file): max |diff| \(maximum)")
        if expected.count >= JPEGTolerance.samplesForMean {
            #expect(mean <= JPEGTolerance.meanDifference, "\(fixture.file): mean |diff| \(mean), \(exact) exact")
        }
    }

    @Test("the decoder really differs from a shifted image: the tolerance is tight")
    func toleranceDiscriminates() throws {
        // Guard against a tolerance so loose that a wrong decode would pass: the celeba-like
        // fixture shifted by one column must fail it.
        let fixture = try #require(FixtureManifest.shared.jpeg.first { $0.file == "celeba_like.jpg" })
        let image = try JPEGDecoder().decode(try fixtureBytes("jpeg/celeba_like.jpg"))
        let expected = try fixture.expectedSamples(kind: "jpeg")
        let shifted = Array(image.samples.dropFirst(3)) + image.samples.prefix(3)
        let maximum = zip(shifted, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(maximum > JPEGTolerance.maximumDifference)
    }

    // MARK: - Unsupported features

    private func decodeError(_ bytes: [UInt8], decoder: JPEGDecoder = JPEGDecoder()) -> DatasetError? {
        expectDatasetError { _ = try decoder.decode(bytes, source: "broken.jpg") }
    }

    private func expectUnsupported(_ error: DatasetError?, mentioning word: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        guard case let .unsupported(file, _, feature)? = error else {
            Issue.record("expected .unsupported, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        #expect(file == "broken.jpg", sourceLocation: sourceLocation)
        #expect(feature.lowercased().contains(word.lowercased()), "\(feature)", sourceLocation: sourceLocation)
    }

    @Test("progressive, CMYK, 12-bit, arithmetic and DNL files are reported as unsupported")
    func unsupportedFeatures() throws {
        expectUnsupported(decodeError(try fixtureBytes("jpeg/progressive.jpg")), mentioning: "progressive")
        expectUnsupported(decodeError(try fixtureBytes("jpeg/cmyk.jpg")), mentioning: "CMYK")
        let good = try fixtureBytes("jpeg/rgb444_q90.jpg")
        let frame = try #require(JPEGLayout(good).segments.first { $0.marker == 0xC0 })
        var twelveBit = good
        twelveBit[frame.offset + 4] = 12
        expectUnsupported(decodeError(twelveBit), mentioning: "12-bit")
        var arithmetic = good
        arithmetic[frame.offset + 1] = 0xC9
        expectUnsupported(decodeError(arithmetic), mentioning: "arithmetic")
        var heightFromDNL = good
        heightFromDNL[frame.offset + 5] = 0
        heightFromDNL[frame.offset + 6] = 0
        expectUnsupported(decodeError(heightFromDNL), mentioning: "DNL")
    }

    // MARK: - Broken files

    @Test("bad start-of-image marker")
    func badStart() throws {
        var bytes = try fixtureBytes("jpeg/gray_q90.jpg")
        bytes[1] = 0xD9
        expectMalformed(decodeError(bytes), file: "broken.jpg", mentioning: ["start-of-image", "ff d9"])
        expectMalformed(decodeError([]), file: "broken.jpg", mentioning: ["nothing"])
    }

    @Test("every truncation throws", arguments: ["gray_q90.jpg", "rgb420_restart.jpg", "rgb420_tiny.jpg"])
    func truncations(_ name: String) throws {
        let bytes = try fixtureBytes("jpeg/" + name)
        for length in 0..<bytes.count {
            expectDatasetError("\(name) cut at \(length)") { _ = try JPEGDecoder().decode(Array(bytes[..<length])) }
        }
    }

    @Test("a marker inside the entropy-coded data", arguments: [UInt8(0xC4), 0xD9, 0xD3])
    func strayMarker(_ marker: UInt8) throws {
        let bytes = try fixtureBytes("jpeg/rgb420_q75.jpg")
        let scan = try #require(JPEGLayout(bytes).scanData)
        var broken = bytes
        broken.insert(contentsOf: [0xFF, marker], at: scan.lowerBound + scan.count / 2)
        expectMalformed(decodeError(broken), file: "broken.jpg",
                        mentioning: ["marker ff \(String(marker, radix: 16))", "inside the entropy-coded data"])
    }

    @Test("restart markers out of sequence or missing")
    func restartErrors() throws {
        let bytes = try fixtureBytes("jpeg/rgb420_restart.jpg")
        let scan = try #require(JPEGLayout(bytes).scanData)
        let first = try #require((scan.lowerBound..<(scan.upperBound - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xD0 })
        var wrongNumber = bytes
        wrongNumber[first + 1] = 0xD5
        expectMalformed(decodeError(wrongNumber), file: "broken.jpg", mentioning: ["expected restart marker RST0", "ff d5"])
        var missing = bytes
        missing.removeSubrange(first..<(first + 2))
        expectMalformed(decodeError(missing), file: "broken.jpg", mentioning: ["RST0"])
    }

    @Test("bits that match no Huffman code")
    func badHuffmanCode() throws {
        let bytes = try fixtureBytes("jpeg/rgb444_q90.jpg")
        let scan = try #require(JPEGLayout(bytes).scanData)
        var broken = bytes
        // 48 one-bits (FF stuffed as FF 00): no code of a JPEG table is all ones.
        broken.insert(contentsOf: [UInt8](repeating: 0, count: 6).flatMap { _ in [UInt8(0xFF), 0x00] }, at: scan.lowerBound + 10)
        expectMalformed(decodeError(broken), file: "broken.jpg", mentioning: ["bad Huffman code"])
    }

    @Test("Huffman table with more codes than fit")
    func overfullHuffmanTable() throws {
        let bytes = try fixtureBytes("jpeg/gray_q90.jpg")
        let table = try #require(JPEGLayout(bytes).segments.first { $0.marker == 0xC4 })
        var broken = bytes
        // Three codes of length 1 (only two fit), the other codes moved to length 16 so the
        // total, and with it the segment length, stays the same.
        let counts = (table.offset + 5)..<(table.offset + 21)
        let total = counts.reduce(0) { $0 + Int(bytes[$1]) }
        try #require(total >= 3)
        var newCounts = [UInt8](repeating: 0, count: 16)
        newCounts[0] = 3
        newCounts[15] = UInt8(total - 3)
        broken.replaceSubrange(counts, with: newCounts)
        expectMalformed(decodeError(broken), file: "broken.jpg", mentioning: ["more codes"])
    }

    @Test("oversized dimensions are rejected before allocating")
    func oversized() throws {
        let bytes = try fixtureBytes("jpeg/rgb444_q90.jpg")
        let frame = try #require(JPEGLayout(bytes).segments.first { $0.marker == 0xC0 })
        var huge = bytes
        huge.replaceSubrange((frame.offset + 5)..<(frame.offset + 9), with: [0xFF, 0xFF, 0xFF, 0xFF])
        expectMalformed(decodeError(huge), file: "broken.jpg", mentioning: ["65535x65535", "limit"])
        expectMalformed(decodeError(bytes, decoder: JPEGDecoder(maximumPixelCount: 1000)), file: "broken.jpg",
                        mentioning: ["37x29"])
    }

    @Test("wrong segment lengths, undefined tables, scan before frame")
    func structuralErrors() throws {
        let bytes = try fixtureBytes("jpeg/gray_q90.jpg")
        let layout = JPEGLayout(bytes)
        let quantization = try #require(layout.segments.first { $0.marker == 0xDB })
        var long = bytes
        long[quantization.offset + 2] = 0xFF
        expectMalformed(decodeError(long), file: "broken.jpg", mentioning: ["declares"])
        let frame = try #require(layout.segments.first { $0.marker == 0xC0 })
        var undefinedTable = bytes
        undefinedTable[frame.offset + 12] = 3  // the component's quantisation table
        expectMalformed(decodeError(undefinedTable), file: "broken.jpg", mentioning: ["quantisation table 3"])
        var noFrame = bytes
        noFrame.removeSubrange(frame.offset..<(frame.offset + 2 + frame.length))
        expectMalformed(decodeError(noFrame), file: "broken.jpg", mentioning: ["before the frame"])
        var badScanComponent = bytes
        let scan = try #require(layout.segments.first { $0.marker == 0xDA })
        badScanComponent[scan.offset + 5] = 77
        expectMalformed(decodeError(badScanComponent), file: "broken.jpg", mentioning: ["component id 77"])
    }
}

/// The marker segments of a JPEG file up to its first scan, found independently of the decoder.
struct JPEGLayout {
    /// Marker (the byte after FF), offset of the FF, and the segment length field.
    var segments: [(marker: UInt8, offset: Int, length: Int)] = []
    /// The entropy-coded bytes of the first scan.
    var scanData: Range<Int>?

    init(_ bytes: [UInt8]) {
        var offset = 2
        while offset + 4 <= bytes.count && bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            segments.append((marker, offset, length))
            offset += 2 + length
            if marker == 0xDA {
                var end = offset
                while end + 1 < bytes.count && !(bytes[end] == 0xFF && bytes[end + 1] != 0 && !(0xD0...0xD7).contains(bytes[end + 1])) {
                    end += 1
                }
                scanData = offset..<end
                return
            }
        }
    }
}
