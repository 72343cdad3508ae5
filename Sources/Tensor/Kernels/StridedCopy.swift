// Strided element copies, done on bit patterns so one compiled loop serves Float and Double.

/// Copies elements between strided layouts without arithmetic, as 4- or 8-byte words.
///
/// Copies need no floating-point semantics, so they run on `UInt32`/`UInt64` bit patterns:
/// this keeps the loop out of unspecialised generic code without a per-type table entry.
enum BitCopy {
    /// `destination[layout, operand 0] = source[layout, operand 1]` over the common layout.
    static func copy<Scalar: TensorScalar>(
        _ layout: StridedLayout,
        from source: UnsafePointer<Scalar>, to destination: UnsafeMutablePointer<Scalar>
    ) {
        switch MemoryLayout<Scalar>.size {
        case 4:
            run(layout, UnsafeRawPointer(source).assumingMemoryBound(to: UInt32.self),
                UnsafeMutableRawPointer(destination).assumingMemoryBound(to: UInt32.self))
        case 8:
            run(layout, UnsafeRawPointer(source).assumingMemoryBound(to: UInt64.self),
                UnsafeMutableRawPointer(destination).assumingMemoryBound(to: UInt64.self))
        default:
            fatalError("BitCopy: unsupported element size \(MemoryLayout<Scalar>.size)")
        }
    }

    private static func run<Word: FixedWidthInteger>(
        _ layout: StridedLayout, _ source: UnsafePointer<Word>, _ destination: UnsafeMutablePointer<Word>
    ) {
        let count = layout.innerCount
        let destinationStride = layout.innerStride(0)
        let sourceStride = layout.innerStride(1)
        let minimumRuns = max(1, (1 << 15) / max(count, 1))
        KernelTiming.measure(.gatherScatterCopy) {
            Parallelism.forEachChunk(of: layout.outerCount, minimumChunk: minimumRuns) { range in
                layout.forEachInnerRun(in: range) { _, offsets in
                    let output = destination + offsets[0]
                    let input = source + offsets[1]
                    if destinationStride == 1 && sourceStride == 1 {
                        output.update(from: input, count: count)
                    } else if sourceStride == 0 {
                        let value = input.pointee
                        for index in 0..<count { output[index * destinationStride] = value }
                    } else {
                        for index in 0..<count { output[index * destinationStride] = input[index * sourceStride] }
                    }
                }
            }
        }
    }

    /// Gather along a flattened trailing block: `output[o, i] = input[o, table[i]]` for
    /// `rows` rows of `sourceRowLength` source and `table.count` destination elements.
    static func gather<Scalar: TensorScalar>(
        rows: Int, sourceRowLength: Int, table: UnsafeBufferPointer<Int32>,
        from source: UnsafePointer<Scalar>, to destination: UnsafeMutablePointer<Scalar>
    ) {
        if MemoryLayout<Scalar>.size == 4 {
            indexed(rows, sourceRowLength, table, words(source, UInt32.self), words(destination, UInt32.self), gather: true)
        } else {
            indexed(rows, sourceRowLength, table, words(source, UInt64.self), words(destination, UInt64.self), gather: true)
        }
    }

    /// Inverse of ``gather``: `output[o, table[i]] = input[o, i]`; where the table repeats an
    /// index the last entry wins (use a scatter-add for accumulation).
    static func scatter<Scalar: TensorScalar>(
        rows: Int, destinationRowLength: Int, table: UnsafeBufferPointer<Int32>,
        from source: UnsafePointer<Scalar>, to destination: UnsafeMutablePointer<Scalar>
    ) {
        if MemoryLayout<Scalar>.size == 4 {
            indexed(rows, destinationRowLength, table, words(source, UInt32.self), words(destination, UInt32.self), gather: false)
        } else {
            indexed(rows, destinationRowLength, table, words(source, UInt64.self), words(destination, UInt64.self), gather: false)
        }
    }

    private static func words<Scalar, Word>(_ pointer: UnsafePointer<Scalar>, _: Word.Type) -> UnsafeMutablePointer<Word> {
        UnsafeMutableRawPointer(mutating: pointer).assumingMemoryBound(to: Word.self)
    }

    private static func words<Scalar, Word>(_ pointer: UnsafeMutablePointer<Scalar>, _: Word.Type) -> UnsafeMutablePointer<Word> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: Word.self)
    }

    private static func indexed<Word: FixedWidthInteger>(
        _ rows: Int, _ fullRowLength: Int, _ table: UnsafeBufferPointer<Int32>,
        _ source: UnsafeMutablePointer<Word>, _ destination: UnsafeMutablePointer<Word>, gather: Bool
    ) {
        let width = table.count
        KernelTiming.measure(.gatherScatterCopy) {
            Parallelism.forEachChunk(of: rows, minimumChunk: max(1, (1 << 14) / max(width, 1))) { range in
                for row in range {
                    if gather {
                        let input = source + row * fullRowLength
                        let output = destination + row * width
                        for index in 0..<width { output[index] = input[Int(table[index])] }
                    } else {
                        let input = source + row * width
                        let output = destination + row * fullRowLength
                        for index in 0..<width { output[Int(table[index])] = input[index] }
                    }
                }
            }
        }
    }
}
