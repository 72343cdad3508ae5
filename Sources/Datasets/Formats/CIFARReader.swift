// CIFAR-10's binary batches: records of one label byte and 3 x 32 x 32 pixel bytes, with
// the file length checked against whole records.

/// The images and labels of one CIFAR-10 binary batch file.
public struct CIFARBatch: Sendable, Equatable {
    /// Bytes per record: 1 label + 3 * 32 * 32 pixels.
    public static let recordSize = 1 + 3072
    /// One label per image, 0...9.
    public let labels: [UInt8]
    /// `labels.count` images of 3072 bytes each, `[channels, 32, 32]` (red plane, green, blue).
    public let pixels: [UInt8]

    /// The number of images.
    public var count: Int { labels.count }
}

/// Reads CIFAR-10 binary batches (`data_batch_1.bin` ... `test_batch.bin`, 10000 records each).
public enum CIFARReader {
    /// Decodes one batch file.
    ///
    /// - Parameter source: the file name used in error messages.
    /// - Throws: ``DatasetError`` when the file is empty, is not a whole number of records, or
    ///   has a label outside 0...9.
    public static func decode(_ bytes: [UInt8], source: String = "(memory)") throws -> CIFARBatch {
        let context = DecodingContext(file: source, format: "CIFAR-10 binary batch")
        guard !bytes.isEmpty, bytes.count % CIFARBatch.recordSize == 0 else {
            throw context.malformed("file of \(bytes.count) bytes is not a whole number of \(CIFARBatch.recordSize)-byte "
                                    + "records (\(bytes.count / CIFARBatch.recordSize) records and "
                                    + "\(bytes.count % CIFARBatch.recordSize) bytes left over)", at: nil)
        }
        let count = bytes.count / CIFARBatch.recordSize
        var labels = [UInt8](repeating: 0, count: count)
        var pixels = [UInt8](repeating: 0, count: count * 3072)
        for record in 0..<count {
            let start = record * CIFARBatch.recordSize
            guard bytes[start] <= 9 else {
                throw context.malformed("record \(record) has label \(bytes[start]), expected 0...9", at: start)
            }
            labels[record] = bytes[start]
            pixels.replaceSubrange((record * 3072)..<((record + 1) * 3072), with: bytes[(start + 1)..<(start + CIFARBatch.recordSize)])
        }
        return CIFARBatch(labels: labels, pixels: pixels)
    }
}
