// Parsing the reference's per-layer flag strings, validation messages, and network names.

import RGFlow
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test("per-level lists expand to two layers per level; single values repeat")
    func perLayerLists() throws {
        let paper = try FlowConfiguration(channels: 3, sideLength: 32, kernelSize: 4, layers: "8,6,4,2",
                                          residualBlocks: "4", hiddenLayers: "2", hiddenWidths: "512")
        #expect(paper.depth == 8)  // 2 (log2(32/4) + 1)
        #expect(paper.layerCounts == [8, 8, 6, 6, 4, 4, 2, 2])
        #expect(paper.residualBlockCounts == Array(repeating: 4, count: 8))
        #expect(paper.hiddenWidths == Array(repeating: 512, count: 8))
    }

    @Test("depth follows L and K", arguments: [(32, 4, 8), (8, 4, 4), (4, 4, 2), (8, 2, 6), (16, 2, 8)])
    func depth(side: Int, kernel: Int, expected: Int) throws {
        let configuration = try FlowConfiguration(channels: 1, sideLength: side, kernelSize: kernel, layers: "1",
                                                  residualBlocks: "1", hiddenLayers: "1", hiddenWidths: "16")
        #expect(configuration.depth == expected)
    }

    @Test("invalid settings are rejected with the flag's name")
    func rejections() {
        func message(_ body: () throws -> FlowConfiguration) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { try FlowConfiguration(channels: 3, sideLength: 32, layers: "8,6,4", residualBlocks: "4", hiddenLayers: "2", hiddenWidths: "512") }
            .contains("--nlayers"))
        #expect(message { try FlowConfiguration(channels: 3, sideLength: 24, layers: "1", residualBlocks: "1", hiddenLayers: "1", hiddenWidths: "8") }
            .contains("--L 24"))
        #expect(message { try FlowConfiguration(channels: 3, sideLength: 32, layers: "1", residualBlocks: "x", hiddenLayers: "1", hiddenWidths: "8") }
            .contains("--nresblocks"))
        #expect(message { try FlowConfiguration(channels: 3, sideLength: 32, coupling: "ar", layers: "1", residualBlocks: "1", hiddenLayers: "1", hiddenWidths: "20") }
            .contains("divisible"))
    }

    @Test("network names follow the reference's pattern")
    func names() throws {
        let paper = try FlowConfiguration(channels: 3, sideLength: 32, kernelSize: 4, prior: "laplace", layers: "8,6,4,2",
                                          residualBlocks: "4", hiddenLayers: "2", hiddenWidths: "512")
        #expect(paper.networkName == "laplace_nl8,6,4,2_nr4_nm2_nh512")
        let other = try FlowConfiguration(channels: 3, sideLength: 16, kernelSize: 2, prior: "gaussian", coupling: "ar",
                                          layers: "2", residualBlocks: "1", hiddenLayers: "1", hiddenWidths: "16")
        #expect(other.networkName == "ar_ks2_nl2_nr1_nm1_nh16")
    }
}
