// The MERA index pattern against its definition, coverage and disjointness.

import RGFlow
import Tensor
import Testing

@Suite("MERA pattern")
struct MERAPatternTests {
    @Test("positions follow i = (bi s + a d + offset) mod L", arguments: [(32, 4), (8, 4), (8, 2), (16, 2)])
    func definition(side: Int, kernel: Int) {
        let depth = 2 * ((side / kernel).trailingZeroBitCount + 1)
        for layer in 0..<depth {
            let pattern = MERALayerPattern(layer: layer, sideLength: side, kernelSize: kernel)
            let dilation = 1 << (layer / 2), stride = kernel << (layer / 2)
            let offset = layer % 2 == 0 ? 0 : stride / 2
            let perSide = (side - dilation * (kernel - 1) - 1) / stride + 1
            #expect(pattern.blocksPerSide == perSide)
            var expected: [Int32] = []
            for bi in 0..<perSide {
                for bj in 0..<perSide {
                    for a in 0..<kernel {
                        for b in 0..<kernel {
                            let i = (bi * stride + a * dilation + offset) % side
                            let j = (bj * stride + b * dilation + offset) % side
                            expected.append(Int32(i * side + j))
                        }
                    }
                }
            }
            #expect(pattern.table.positions == expected, "layer \(layer)")
            #expect(!pattern.table.hasRepeats, "layer \(layer): blocks overlap")
        }
    }

    @Test("level 0 covers every pixel once; coarser levels cover 1/4 per level")
    func coverage() {
        let first = MERALayerPattern(layer: 0, sideLength: 32, kernelSize: 4)
        #expect(Set(first.table.positions).count == 32 * 32)
        let second = MERALayerPattern(layer: 2, sideLength: 32, kernelSize: 4)
        #expect(second.table.positions.count == 16 * 16)  // 4 x 4 blocks of 16
        let last = MERALayerPattern(layer: 7, sideLength: 32, kernelSize: 4)
        #expect(last.blockCount == 1)
        // The last layer of L = 32, K = 4: d = 8, s = 32, offset 16: pixels 16 + 8a (mod 32).
        let expected: [Int32] = [528, 536, 512, 520]  // row 16: 16 * 32 + {16, 24, 0, 8}
        #expect(Array(last.table.positions.prefix(4)) == expected)
    }
}
