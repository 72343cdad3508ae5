// Writing MSDS to disk as `rgflow generate-msds` does: {train,test}/0/NNNNN.png plus a
// labels.csv per split, every file written atomically and the images rendered in parallel.

import Dispatch
import Foundation
import Synchronization
import Tensor

extension MSDSGenerator {
    /// Images rendered and written per round; bounds memory while the label file is
    /// appended in index order.
    static let writeBlockSize = 1_024

    /// The header line of `labels.csv`.
    public static let labelsHeader = "image,ellipse,x,y,angle,r,g,b"

    /// Writes the training and test splits under `root` as an image folder.
    ///
    /// Layout: `{root}/{train,test}/0/{index:05d}.png` (32x32 8-bit RGB PNGs, index from 0)
    /// and `{root}/{train,test}/labels.csv` with the header ``labelsHeader`` and one row per
    /// ellipse (16 per image, in image order then grid reading order); `image` is the index
    /// in the file name, `x`, `y`, `angle` are as in ``MSDSEllipse`` and `r`, `g`, `b` are
    /// 0...255. Every file is written under a temporary name in its folder and renamed into
    /// place, so an interrupted run leaves no truncated PNG or label file under a final name.
    ///
    /// - Parameters:
    ///   - root: the folder to write into (created if missing).
    ///   - trainCount: training images to write (the standard 90 000 by default).
    ///   - testCount: test images to write (the standard 10 000 by default).
    ///   - threadCount: how many images are rendered and written at once.
    ///   - progress: called after each block of images with the split, the images written
    ///     so far in that split and its total; from the calling thread.
    /// - Throws: the file system's error, naming the path, when a folder or file cannot be
    ///   created or written.
    public func writeFolder(
        at root: URL,
        trainCount: Int = MSDSDataset.standardCount(of: .train),
        testCount: Int = MSDSDataset.standardCount(of: .test),
        threadCount: Int = Parallelism.threadCount,
        progress: ((_ split: DatasetSplit, _ written: Int, _ total: Int) -> Void)? = nil
    ) throws {
        precondition(trainCount >= 0 && testCount >= 0, "image counts must not be negative")
        precondition(threadCount >= 1, "threadCount must be at least 1, got \(threadCount)")
        for (split, count) in [(DatasetSplit.train, trainCount), (.test, testCount)] {
            try writeSplit(split, count: count, under: root, threadCount: threadCount, progress: progress)
        }
    }

    private func writeSplit(
        _ split: DatasetSplit, count: Int, under root: URL, threadCount: Int,
        progress: ((_ split: DatasetSplit, _ written: Int, _ total: Int) -> Void)?
    ) throws {
        let splitFolder = root.appendingPathComponent(split.rawValue, isDirectory: true)
        let imageFolder = splitFolder.appendingPathComponent("0", isDirectory: true)
        try FileManager.default.createDirectory(at: imageFolder, withIntermediateDirectories: true)

        let labelsURL = splitFolder.appendingPathComponent("labels.csv")
        let labelsTemporary = splitFolder.appendingPathComponent(".labels.csv.tmp")
        guard FileManager.default.createFile(atPath: labelsTemporary.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: labelsTemporary.path])
        }
        let labels = try FileHandle(forWritingTo: labelsTemporary)
        defer { try? labels.close() }
        try labels.write(contentsOf: Data((MSDSGenerator.labelsHeader + "\n").utf8))

        var blockStart = 0
        while blockStart < count {
            let blockEnd = min(count, blockStart + MSDSGenerator.writeBlockSize)
            let rows = try writeImages(split, blockStart..<blockEnd, into: imageFolder, threadCount: threadCount)
            try labels.write(contentsOf: Data(rows.joined().utf8))
            progress?(split, blockEnd, count)
            blockStart = blockEnd
        }
        try labels.synchronize()
        try labels.close()
        try MSDSGenerator.moveIntoPlace(labelsTemporary, labelsURL)
    }

    /// Renders and writes the PNGs of `indices` over `threadCount` workers and returns each
    /// image's label rows, in index order.
    private func writeImages(
        _ split: DatasetSplit, _ indices: Range<Int>, into folder: URL, threadCount: Int
    ) throws -> [String] {
        let rows = Mutex([String](repeating: "", count: indices.count))
        let firstError = Mutex<(any Error)?>(nil)
        let workers = min(threadCount, indices.count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let lower = indices.lowerBound + indices.count * worker / workers
            let upper = indices.lowerBound + indices.count * (worker + 1) / workers
            for index in lower..<upper {
                if firstError.withLock({ $0 != nil }) { return }
                do {
                    let image = self.image(split: split, index: index)
                    let name = MSDSGenerator.fileName(index: index)
                    let png = PNGEncoder.encode(PNGEncoder.Image(
                        width: MSDSGenerator.sideLength, height: MSDSGenerator.sideLength,
                        colorType: .rgb, pixels: image.pixels))
                    let temporary = folder.appendingPathComponent(".\(name).tmp")
                    try Data(png).write(to: temporary)
                    try MSDSGenerator.moveIntoPlace(temporary, folder.appendingPathComponent(name))
                    let text = MSDSGenerator.labelRows(index: index, ellipses: image.ellipses)
                    rows.withLock { $0[index - indices.lowerBound] = text }
                } catch {
                    firstError.withLock { if $0 == nil { $0 = error } }
                    return
                }
            }
        }
        if let error = firstError.withLock({ $0 }) { throw error }
        return rows.withLock { $0 }
    }

    /// `00042.png` for index 42: five digits, more when the index needs them.
    static func fileName(index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".png"
    }

    /// The 16 CSV rows of one image, each ending in a newline. Reals print in Swift's
    /// shortest form that reads back to the same Double.
    static func labelRows(index: Int, ellipses: [MSDSEllipse]) -> String {
        var text = ""
        for (number, ellipse) in ellipses.enumerated() {
            text += "\(index),\(number),\(ellipse.x),\(ellipse.y),\(ellipse.angle),"
            text += "\(ellipse.red),\(ellipse.green),\(ellipse.blue)\n"
        }
        return text
    }

    /// Renames `source` to `destination`, replacing it atomically (POSIX rename).
    static func moveIntoPlace(_ source: URL, _ destination: URL) throws {
        guard rename(source.path, destination.path) == 0 else {
            let code = errno
            throw CocoaError(.fileWriteUnknown, userInfo: [
                NSFilePathErrorKey: destination.path,
                NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(code)),
            ])
        }
    }
}
