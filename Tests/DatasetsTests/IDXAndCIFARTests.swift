// MNIST IDX (raw and gzip) and CIFAR-10 binary batches against files written by numpy and
// Python's gzip, and their corrupt variants.

import Datasets
import Foundation
import Testing

@Suite("IDX and CIFAR readers")
struct IDXAndCIFARTests {
    @Test("raw and gzip IDX files hold numpy's arrays")
    func idxFixtures() throws {
        let raw = try IDXReader.decode(try fixtureBytes("idx/images-idx3-ubyte"), expectedRank: 3)
        let compressed = try IDXReader.decode(try fixtureBytes("idx/images-idx3-ubyte.gz"), expectedRank: 3)
        #expect(raw.dimensions == [4, 28, 28])
        #expect(raw == compressed)
        #expect(raw.count == 4 && raw.itemSize == 784)
        // The padded float fixture holds the same pixels at rows/columns 2...29.
        let padded = try fixtureFloats("idx/images-padded32.f32")
        for image in 0..<4 {
            for (row, column) in [(0, 0), (13, 17), (27, 27)] {
                #expect(Float(raw.bytes[image * 784 + row * 28 + column]) / 255
                        == padded[image * 1024 + (row + 2) * 32 + column + 2])
            }
        }
        let labels = try IDXReader.decode(try fixtureBytes("idx/labels-idx1-ubyte"), expectedRank: 1)
        #expect(labels.dimensions == [4])
        #expect(labels.bytes == (try fixtureBytes("idx/labels.expected")))
    }

    private func idxError(_ bytes: [UInt8], rank: Int? = 3) -> DatasetError? {
        expectDatasetError { _ = try IDXReader.decode(bytes, expectedRank: rank, source: "bad-idx") }
    }

    @Test("bad magic, element type, rank, short header and wrong data length")
    func idxErrors() throws {
        let good = try fixtureBytes("idx/images-idx3-ubyte")
        var magic = good
        magic[0] = 1
        expectMalformed(idxError(magic), file: "bad-idx", mentioning: ["magic", "00 00"])
        var type = good
        type[2] = 0x0D
        guard case .unsupported(file: "bad-idx", _, let feature)? = idxError(type) else {
            Issue.record("float IDX data should be unsupported")
            return
        }
        #expect(feature.contains("float"))
        type[2] = 0x42
        expectMalformed(idxError(type), file: "bad-idx", mentioning: ["element type 0x42"])
        expectMalformed(idxError(good, rank: 1), file: "bad-idx", mentioning: ["3 dimensions, expected 1"])
        expectMalformed(idxError(Array(good.prefix(3))), file: "bad-idx", mentioning: ["4 bytes"])
        expectMalformed(idxError(Array(good.prefix(10))), file: "bad-idx", mentioning: ["needs 16 bytes"])
        expectMalformed(idxError(Array(good.dropLast())), file: "bad-idx", mentioning: ["need 3136", "3135"])
        expectMalformed(idxError(good + [0]), file: "bad-idx", mentioning: ["need 3136", "3137"])
        var huge = good
        huge.replaceSubrange(4..<16, with: [0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 28])
        expectMalformed(idxError(huge), file: "bad-idx", mentioning: ["more than"])
    }

    @Test("corrupt and truncated gzip IDX files")
    func idxGzipErrors() throws {
        let good = try fixtureBytes("idx/images-idx3-ubyte.gz")
        var crc = good
        crc[crc.count - 6] ^= 0x40
        expectMalformed(idxError(crc), file: "bad-idx", mentioning: ["CRC-32"])
        for length in stride(from: 2, to: good.count, by: 7) {
            expectDatasetError("cut at \(length)") { _ = try IDXReader.decode(Array(good.prefix(length))) }
        }
    }

    @Test("CIFAR batch: labels and [3, 32, 32] pixels as numpy wrote them")
    func cifarFixture() throws {
        let batch = try CIFARReader.decode(try fixtureBytes("cifar/data_batch_1.bin"))
        #expect(batch.labels == [3, 0, 9])
        let expected = try fixtureFloats("cifar/images.f32")
        #expect(batch.pixels.map { Float($0) / 255 } == expected)
    }

    @Test("CIFAR: partial records, empty files and labels above 9")
    func cifarErrors() throws {
        let good = try fixtureBytes("cifar/data_batch_1.bin")
        func cifarError(_ bytes: [UInt8]) -> DatasetError? {
            expectDatasetError { _ = try CIFARReader.decode(bytes, source: "batch.bin") }
        }
        expectMalformed(cifarError(Array(good.dropLast(5))), file: "batch.bin", mentioning: ["3068 bytes left over"])
        expectMalformed(cifarError([]), file: "batch.bin", mentioning: ["0 bytes"])
        var label = good
        label[3073] = 10
        expectMalformed(cifarError(label), file: "batch.bin", mentioning: ["record 1", "label 10"])
    }
}
