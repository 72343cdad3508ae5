// Scatter-add by an index table: the adjoint of a gather, correct when indices repeat.

enum IndexKernels {
    /// `output[o, table[i]] += input[o, i]` for `rows` rows; repeated indices accumulate in
    /// table order. Parallel over rows only, so no two threads touch one element.
    static func scatterAdd<Scalar: TensorScalar>(
        rows: Int, destinationRowLength: Int, table: UnsafeBufferPointer<Int32>,
        from source: UnsafePointer<Scalar>, to destination: UnsafeMutablePointer<Scalar>
    ) {
        let width = table.count
        Parallelism.forEachChunk(of: rows, minimumChunk: max(1, (1 << 14) / max(width, 1))) { range in
            for row in range {
                let input = source + row * width
                let output = destination + row * destinationRowLength
                for index in 0..<width { output[Int(table[index])] += input[index] }
            }
        }
    }
}
