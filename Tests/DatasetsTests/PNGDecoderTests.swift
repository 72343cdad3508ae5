// PNG decoding: every fixture decodes to exactly Pillow's pixels (all colour types, bit
// depths 1-16, all filters, Adam7), and broken files throw errors naming what is wrong.

import Datasets
import Foundation
import Testing

@Suite("PNG decoder")
struct PNGDecoderTests {
    @Test("decoded samples equal Pillow's decoding exactly", arguments: FixtureManifest.shared.png)
    func matchesPillow(_ fixture: ImageFixture) throws {
        let image = try PNGDecoder().decode(try fixtureBytes("png/" + fixture.file), source: fixture.file)
        #expect(image.width == fixture.width)
        #expect(image.height == fixture.height)
        #expect(image.channels == fixture.channels)
        #expect(image.bitDepth == fixture.bitDepth)
        let expected = try fixture.expectedSamples(kind: "png")
        #expect(image.samples == expected)
    }

    @Test("16-bit images: the high bytes equal Pillow's 8-bit reduction",
          arguments: ["filters_rgb16.png", "adam7_rgba16.png", "filters_gray_alpha16.png"])
    func sixteenBitHighBytes(_ name: String) throws {
        let image = try PNGDecoder().decode(try fixtureBytes("png/" + name))
        let pillow = try fixtureBytes("png/\(name).pillow8")
        #expect(image.samples.map { UInt8($0 >> 8) } == pillow)
    }

    @Test("planes: [C, H, W] in [0, 1], gray repeated, alpha dropped")
    func planes() throws {
        let rgba = try PNGDecoder().decode(try fixtureBytes("png/pillow_rgba8.png"))
        let planes = rgba.planes(outputChannels: 3)
        let plane = rgba.width * rgba.height
        #expect(planes.count == 3 * plane)
        for pixel in [0, 17, plane - 1] {
            for channel in 0..<3 {
                #expect(planes[channel * plane + pixel] == Float(rgba.samples[pixel * 4 + channel]) / 255)
            }
        }
        let gray16 = try PNGDecoder().decode(try fixtureBytes("png/pillow_gray16.png"))
        let grayPlanes = gray16.planes(outputChannels: 3)
        let grayPlane = gray16.width * gray16.height
        for pixel in [0, 5, grayPlane - 1] {
            let value = Float(gray16.samples[pixel]) / 65535
            #expect(grayPlanes[pixel] == value && grayPlanes[grayPlane + pixel] == value
                    && grayPlanes[2 * grayPlane + pixel] == value)
        }
    }

    // MARK: - Broken files

    private func decodeError(_ bytes: [UInt8], decoder: PNGDecoder = PNGDecoder()) -> DatasetError? {
        expectDatasetError { _ = try decoder.decode(bytes, source: "broken.png") }
    }

    @Test("bad signature and files shorter than it")
    func badSignature() throws {
        var bytes = try fixtureBytes("png/pillow_rgb8.png")
        bytes[1] = UInt8(ascii: "Q")
        expectMalformed(decodeError(bytes), file: "broken.png", mentioning: ["signature"])
        expectMalformed(decodeError([0x89, 0x50]), file: "broken.png", mentioning: ["2 bytes"])
    }

    @Test("every truncation throws", arguments: ["filters_gray2.png", "adam7_tiny_rgb8.png", "pillow_palette_trns.png"])
    func truncations(_ name: String) throws {
        let bytes = try fixtureBytes("png/" + name)
        for length in 0..<bytes.count {
            expectDatasetError("\(name) cut at \(length)") { _ = try PNGDecoder().decode(Array(bytes[..<length])) }
        }
    }

    @Test("a changed byte in any chunk fails its CRC")
    func badCRC() throws {
        let bytes = try fixtureBytes("png/filters_rgb8.png")
        var idat = bytes
        idat[60] ^= 0x10  // inside the first IDAT's data (IHDR ends at byte 33)
        expectMalformed(decodeError(idat), file: "broken.png", mentioning: ["IDAT", "CRC"])
        var header = bytes
        header[20] ^= 0x01  // IHDR height
        expectMalformed(decodeError(header), file: "broken.png", mentioning: ["IHDR", "CRC"])
    }

    @Test("chunk lengths past the end of the file or above 2^31 - 1")
    func wrongLengths() throws {
        let bytes = try fixtureBytes("png/filters_rgb8.png")
        var long = bytes
        long.replaceSubrange(33..<37, with: bigEndian(0x7FFF_0000))  // first chunk after IHDR
        expectMalformed(decodeError(long), file: "broken.png", mentioning: ["declares"])
        var huge = bytes
        huge.replaceSubrange(33..<37, with: bigEndian(0xFFFF_FFFF))
        expectMalformed(decodeError(huge), file: "broken.png", mentioning: ["exceeds 2^31"])
        let shortHeader = PNGDecoder.signature + pngChunk("IHDR", Array(ihdr(width: 1, height: 1).prefix(12)))
        expectMalformed(decodeError(shortHeader + pngChunk("IEND", [])), file: "broken.png", mentioning: ["13"])
    }

    @Test("oversized or zero dimensions are rejected before allocating")
    func dimensions() throws {
        let huge = craftPNG(header: ihdr(width: 100_000, height: 100_000), scanlines: [0, 0])
        expectMalformed(decodeError(huge), file: "broken.png", mentioning: ["100000x100000", "limit"])
        let capped = try fixtureBytes("png/pillow_rgb8.png")
        expectMalformed(decodeError(capped, decoder: PNGDecoder(maximumPixelCount: 700)), file: "broken.png",
                        mentioning: ["31x23", "700"])
        expectMalformed(decodeError(craftPNG(header: ihdr(width: 0, height: 4), scanlines: [])), file: "broken.png",
                        mentioning: ["0x4"])
    }

    @Test("invalid header fields")
    func headerFields() {
        let badDepth = craftPNG(header: ihdr(width: 1, height: 1, bitDepth: 4, colorType: 2), scanlines: [0, 0])
        expectMalformed(decodeError(badDepth), file: "broken.png", mentioning: ["bit depth 4", "colour type 2"])
        let badType = craftPNG(header: ihdr(width: 1, height: 1, colorType: 5), scanlines: [0, 0])
        expectMalformed(decodeError(badType), file: "broken.png", mentioning: ["colour type 5"])
        let badInterlace = craftPNG(header: ihdr(width: 1, height: 1, interlace: 2), scanlines: [0, 0])
        expectMalformed(decodeError(badInterlace), file: "broken.png", mentioning: ["interlace method 2"])
    }

    @Test("filter type above 4")
    func badFilter() {
        let png = craftPNG(header: ihdr(width: 2, height: 2), scanlines: [0, 10, 20, 5, 30, 40])
        expectMalformed(decodeError(png), file: "broken.png", mentioning: ["row 1 of pass 0", "filter type 5"])
    }

    @Test("image data shorter or longer than the header implies")
    func wrongDataSize() {
        let short = craftPNG(header: ihdr(width: 2, height: 2), scanlines: [0, 10, 20])
        expectMalformed(decodeError(short), file: "broken.png", mentioning: ["3 bytes", "needs 6"])
        let long = craftPNG(header: ihdr(width: 2, height: 2), scanlines: [0, 1, 2, 0, 3, 4, 0])
        expectMalformed(decodeError(long), file: "broken.png", mentioning: ["exceeds the expected 6"])
    }

    @Test("palette errors: index out of range, no PLTE, too many entries")
    func paletteErrors() {
        let palette = pngChunk("PLTE", [255, 0, 0, 0, 255, 0])
        let outOfRange = craftPNG(header: ihdr(width: 2, height: 1, colorType: 3), scanlines: [0, 1, 5], before: [palette])
        expectMalformed(decodeError(outOfRange), file: "broken.png", mentioning: ["palette index 5", "2 entries"])
        let missing = craftPNG(header: ihdr(width: 2, height: 1, colorType: 3), scanlines: [0, 1, 0])
        expectMalformed(decodeError(missing), file: "broken.png", mentioning: ["PLTE"])
        let big = pngChunk("PLTE", [UInt8](repeating: 1, count: 3 * 5))
        let tooMany = craftPNG(header: ihdr(width: 2, height: 1, bitDepth: 2, colorType: 3), scanlines: [0, 0], before: [big])
        expectMalformed(decodeError(tooMany), file: "broken.png", mentioning: ["5 entries"])
    }

    @Test("chunk order: IHDR first, consecutive IDAT, IEND present; unknown critical chunks")
    func chunkOrder() throws {
        let noHeader = PNGDecoder.signature + pngChunk("IDAT", storedZlib([0, 0])) + pngChunk("IEND", [])
        expectMalformed(decodeError(noHeader), file: "broken.png", mentioning: ["first chunk is IDAT"])
        let split = craftPNG(header: ihdr(width: 1, height: 1), scanlines: [0, 7],
                             after: [pngChunk("tEXt", Array("a\u{0}b".utf8)), pngChunk("IDAT", [])])
        expectMalformed(decodeError(split), file: "broken.png", mentioning: ["not consecutive"])
        let noEnd = craftPNG(header: ihdr(width: 1, height: 1), scanlines: [0, 7], end: false)
        expectMalformed(decodeError(noEnd), file: "broken.png", mentioning: ["before IEND"])
        let critical = craftPNG(header: ihdr(width: 1, height: 1), scanlines: [0, 7], before: [pngChunk("ABCD", [1])])
        guard case let .unsupported(file, _, feature)? = decodeError(critical) else {
            Issue.record("an unknown critical chunk should be unsupported")
            return
        }
        #expect(file == "broken.png" && feature.contains("ABCD"))
        let ancillary = craftPNG(header: ihdr(width: 1, height: 1), scanlines: [0, 7], before: [pngChunk("abCD", [1])])
        #expect(try PNGDecoder().decode(ancillary).samples == [7])
    }

    @Test("corrupt zlib data inside correctly checksummed IDAT chunks")
    func corruptImageData() {
        var stream = storedZlib([0, 9])
        stream[0] = 0x77  // method 7
        let badMethod = PNGDecoder.signature + pngChunk("IHDR", ihdr(width: 1, height: 1)) + pngChunk("IDAT", stream)
            + pngChunk("IEND", [])
        let error = decodeError(badMethod)
        expectMalformed(error, file: "broken.png", mentioning: ["method 7"])
        if case let .malformed(_, format, _, _)? = error { #expect(format.contains("zlib")) }
        let badAdler = PNGDecoder.signature + pngChunk("IHDR", ihdr(width: 1, height: 1))
            + pngChunk("IDAT", storedZlib([0, 9], adler: 12345)) + pngChunk("IEND", [])
        expectMalformed(decodeError(badAdler), file: "broken.png", mentioning: ["Adler-32"])
    }
}
