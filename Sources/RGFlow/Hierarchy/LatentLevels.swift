// Level-addressed latents: which RG level each latent position belongs to, and splitting
// latents into per-level parts and merging them back exactly.

import Tensor

/// The level of every latent position of an RG-Flow with side L and block side K.
///
/// Level ℓ's layers touch only positions whose row and column are both multiples of 2^ℓ
/// (dilation 2^ℓ, stride K 2^ℓ, offsets 0 and K 2^(ℓ-1); see ``MERALayerPattern``), so after the
/// forward flow the latent at (i, j) was last transformed by the highest such level. Its level
/// is therefore the largest ℓ ≤ ``topLevel`` = log2(L/K) with 2^ℓ dividing both i and j.
///
/// For L 32, K 4 (top level 3), per channel:
///
/// | level | positions | lattice |
/// |---|---|---|
/// | 3 | 16 | both coordinates multiples of 8 |
/// | 2 | 48 | multiples of 4, not both of 8 |
/// | 1 | 192 | multiples of 2, not both of 4 |
/// | 0 | 768 | the rest |
///
/// (1024 in all; C times as many latents.) Positions within a level are listed row-major.
/// The reference's `z[:, :, ::k, ::k]` with k = 2^ℓ is exactly the positions of levels ≥ ℓ.
public struct LatentLevels: Sendable, Equatable {
    /// Latent channels C.
    public let channels: Int
    /// Latent side L.
    public let sideLength: Int
    /// Block side K.
    public let kernelSize: Int
    /// The coarsest level, log2(L/K).
    public let topLevel: Int
    /// The level of each position `i L + j`.
    public let levelOfPosition: [Int]
    /// Per level, its positions `i L + j`, ascending.
    public let positionsByLevel: [[Int]]

    /// The levels for latents `[batch, channels, L, L]` of a flow with block side K.
    ///
    /// - Precondition: L is K times a power of two.
    public init(channels: Int, sideLength: Int, kernelSize: Int) {
        let depth = FlowConfiguration.depth(sideLength: sideLength, kernelSize: kernelSize)
        precondition(channels > 0 && depth > 0, "LatentLevels: L \(sideLength) must be K \(kernelSize) times a power of two")
        self.channels = channels
        self.sideLength = sideLength
        self.kernelSize = kernelSize
        let top = depth / 2 - 1
        topLevel = top
        var levels = [Int](repeating: 0, count: sideLength * sideLength)
        var byLevel = [[Int]](repeating: [], count: top + 1)
        for i in 0..<sideLength {
            for j in 0..<sideLength {
                // i | j == 0 only at (0, 0), which lies on every lattice.
                let level = min(top, (i | j) == 0 ? top : (i | j).trailingZeroBitCount)
                levels[i * sideLength + j] = level
                byLevel[level].append(i * sideLength + j)
            }
        }
        levelOfPosition = levels
        positionsByLevel = byLevel
    }

    /// The levels of a configuration's latents.
    public init(_ configuration: FlowConfiguration) {
        self.init(channels: configuration.channels, sideLength: configuration.sideLength,
                  kernelSize: configuration.kernelSize)
    }

    /// The number of levels, ``topLevel`` + 1.
    public var levelCount: Int { topLevel + 1 }

    /// The level of position (row, column).
    public func level(row: Int, column: Int) -> Int { levelOfPosition[row * sideLength + column] }

    /// Latents (all channels) at `level`: C times its position count.
    public func latentCount(atLevel level: Int) -> Int { channels * positionsByLevel[level].count }

    /// The gather table of one level's positions over the trailing `[L, L]` axes.
    public func table(level: Int) -> IndexTable {
        IndexTable(shape: [positionsByLevel[level].count], positions: positionsByLevel[level],
                   sourceCount: sideLength * sideLength)
    }

    /// Splits latents `[batch, C, L, L]` into one part per level, part ℓ `[batch, C, n_ℓ]` with
    /// its positions in row-major order.
    public func split<Scalar: TensorScalar>(_ z: Tensor<Scalar>) -> [Tensor<Scalar>] {
        checkShape(z.shape, "split")
        return (0..<levelCount).map { z.gathered(trailingAxes: 2, table(level: $0)) }
    }

    /// The inverse of ``split(_:)``: latents `[batch, C, L, L]` from per-level parts.
    public func merge<Scalar: TensorScalar>(_ parts: [Tensor<Scalar>]) -> Tensor<Scalar> {
        precondition(parts.count == levelCount, "LatentLevels.merge: \(parts.count) parts for \(levelCount) levels")
        let batch = parts[0].shape[0]
        var z = Tensor<Scalar>.zeros([batch, channels, sideLength, sideLength])
        for (level, part) in parts.enumerated() {
            precondition(part.shape == [batch, channels, positionsByLevel[level].count],
                         "LatentLevels.merge: level \(level) part of shape \(part.shape), expected [\(batch), \(channels), \(positionsByLevel[level].count)]")
            z = z.scattering(part, trailingAxes: 2, table(level: level))
        }
        return z
    }

    /// `[L, L]`: 1 at positions whose level is in `levels`, else 0.
    public func mask<Scalar: TensorScalar>(levels: ClosedRange<Int>, as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        Tensor(shape: [sideLength, sideLength], scalars: levelOfPosition.map { levels.contains($0) ? 1 : 0 })
    }

    /// Latents with levels ≥ `level` from `coarse` and levels < `level` from `fine`, both
    /// `[batch, C, L, L]` (style mixing and mixed-temperature sampling). `level` 0 returns
    /// `coarse`, `level` ``levelCount`` returns `fine`.
    ///
    /// - Precondition: 0 ≤ `level` ≤ ``levelCount``.
    public func combining<Scalar: TensorScalar>(coarse: Tensor<Scalar>, fine: Tensor<Scalar>,
                                                fromLevel level: Int) -> Tensor<Scalar> {
        precondition((0...levelCount).contains(level), "LatentLevels.combining: level \(level) outside 0...\(levelCount)")
        checkShape(coarse.shape, "combining")
        precondition(fine.shape == coarse.shape, "LatentLevels.combining: shapes \(coarse.shape) and \(fine.shape)")
        guard level > 0 else { return coarse }
        guard level < levelCount else { return fine }
        return Tensor.select(where: mask(levels: level...topLevel), coarse, else: fine)
    }

    private func checkShape(_ shape: [Int], _ operation: String) {
        precondition(shape.count == 4 && shape[1] == channels && shape[2] == sideLength && shape[3] == sideLength,
                     "LatentLevels.\(operation): latents of shape \(shape), expected [batch, \(channels), \(sideLength), \(sideLength)]")
    }
}
