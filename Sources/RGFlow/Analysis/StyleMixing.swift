// Style mixing across scales: the coarse levels of one image with the fine levels of another,
// decoded (paper §5: high levels carry layout and shape, low levels texture and colour detail).

import Tensor

extension RGFlowModel {
    /// Images `[N, C, L, L]` whose latents of levels ≥ `level` come from `coarse` and of levels
    /// < `level` from `fine` (pixels `[N, C, L, L]` in (0, 1), paired by index), decoded and
    /// clamped to [0, 1]. Level 0 returns `coarse`'s images, level ``LatentLevels/levelCount``
    /// `fine`'s (to rounding).
    ///
    /// - Precondition: 0 ≤ `level` ≤ the level count.
    public func mixingStyles(coarse: Tensor<Scalar>, fine: Tensor<Scalar>, fromLevel level: Int) -> Tensor<Scalar> {
        let levels = configuration.latentLevels
        precondition((0...levels.levelCount).contains(level), "mixingStyles: level \(level) outside 0...\(levels.levelCount)")
        return pixels(fromLatents: levels.combining(coarse: encode(coarse), fine: encode(fine), fromLevel: level))
    }

    /// The grid of style mixing at one level: row r, column c is `rows[r]`'s coarse levels
    /// (≥ `level`) with `columns[c]`'s fine ones, `[R · C', C, L, L]` row-major.
    public func styleMixingGrid(rows: Tensor<Scalar>, columns: Tensor<Scalar>, level: Int) -> Tensor<Scalar> {
        let rowCount = rows.shape[0], columnCount = columns.shape[0]
        let rowShape = Array(rows.shape.dropFirst())
        let coarse = rows.unsqueezed(axis: 1).expanded(to: [rowCount, columnCount] + rowShape).copied()
            .reshaped([rowCount * columnCount] + rowShape)
        let fine = columns.unsqueezed(axis: 0).expanded(to: [rowCount, columnCount] + rowShape).copied()
            .reshaped([rowCount * columnCount] + rowShape)
        return mixingStyles(coarse: coarse, fine: fine, fromLevel: level)
    }

    /// One pair mixed at every level 0 ... levelCount: `[levelCount + 1, C, L, L]`, from
    /// `coarse`'s image (level 0) to `fine`'s (the last).
    public func styleMixingStrip(coarse: Tensor<Scalar>, fine: Tensor<Scalar>) -> Tensor<Scalar> {
        let steps = configuration.latentLevels.levelCount + 1
        let shape = Array(coarse.shape.dropFirst())
        precondition(coarse.shape.first == 1 && fine.shape == coarse.shape, "styleMixingStrip: one image each, [1, C, L, L]")
        let a = encode(coarse), b = encode(fine)
        let levels = configuration.latentLevels
        let mixed = (0..<steps).map { levels.combining(coarse: a, fine: b, fromLevel: $0) }
        return pixels(fromLatents: Tensor.concatenate(mixed, axis: 0).reshaped([steps] + shape))
    }
}
