// The MERA index pattern: which pixels each block of each RG layer covers. The one place
// that computes it.

import Tensor

/// The pixels one RG layer transforms: blocks of K x K pixels at a dilation, for every level
/// and offset of the MERA-like hierarchy (paper §3, Fig. 2).
///
/// For level l: dilation d = 2^l, stride s = K 2^l, and two layers with offsets 0 and s/2.
/// With n = (L - d(K - 1) - 1)/s + 1 blocks per side, block (bi, bj) covers the pixels
/// `i = (bi s + a d + offset) mod L`, `j = (bj s + b d + offset) mod L` for a, b < K,
/// blocks row-major and pixels row-major within a block.
public struct MERALayerPattern: Sendable, Equatable {
    /// The level l (0 is the finest).
    public let level: Int
    /// The offset of this layer's grid (0 or s/2).
    public let offset: Int
    /// Blocks per side n.
    public let blocksPerSide: Int
    /// Block side K.
    public let kernelSize: Int
    /// Image side L.
    public let sideLength: Int
    /// Flattened pixel positions `i L + j`, shape `[blocks, K, K]`.
    public let table: IndexTable

    /// The number of blocks n².
    public var blockCount: Int { blocksPerSide * blocksPerSide }

    /// The same positions over `[C, L, L]`, block-major: shape `[blocks, C, K, K]`, position
    /// `c L² + table position`. Gathering with it gives a layer's `[batch, blocks, C, K, K]`
    /// directly, so the coupling's `[batch · blocks, C·K·K]` rows need no transposing copy.
    public func blockMajorTable(channels: Int) -> IndexTable {
        let perBlock = kernelSize * kernelSize, plane = sideLength * sideLength
        var positions: [Int] = []
        positions.reserveCapacity(blockCount * channels * perBlock)
        for block in 0..<blockCount {
            for channel in 0..<channels {
                for k in 0..<perBlock { positions.append(channel * plane + Int(table.positions[block * perBlock + k])) }
            }
        }
        return IndexTable(shape: [blockCount, channels, kernelSize, kernelSize], positions: positions,
                          sourceCount: channels * plane)
    }

    /// The pattern of RG layer `layer` (two per level: layer 2l has offset 0, 2l + 1 offset s/2).
    public init(layer: Int, sideLength: Int, kernelSize: Int) {
        let level = layer / 2
        let dilation = 1 << level
        let stride = kernelSize << level
        let offset = layer % 2 == 0 ? 0 : stride / 2
        let perSide = (sideLength - dilation * (kernelSize - 1) - 1) / stride + 1
        var positions: [Int] = []
        positions.reserveCapacity(perSide * perSide * kernelSize * kernelSize)
        for blockRow in 0..<perSide {
            for blockColumn in 0..<perSide {
                for a in 0..<kernelSize {
                    for b in 0..<kernelSize {
                        let i = (blockRow * stride + a * dilation + offset) % sideLength
                        let j = (blockColumn * stride + b * dilation + offset) % sideLength
                        positions.append(i * sideLength + j)
                    }
                }
            }
        }
        self.level = level
        self.offset = offset
        self.blocksPerSide = perSide
        self.kernelSize = kernelSize
        self.sideLength = sideLength
        self.table = IndexTable(shape: [perSide * perSide, kernelSize, kernelSize], positions: positions,
                                sourceCount: sideLength * sideLength)
    }
}
