// `rgflow explore correlations`: the correlation matrix of one level's latents over encoded
// test images (the reference's test_latent_corr.py), as a figure and a number.

import Datasets
import Foundation
import RGFlow
import Tensor

enum ExploreCorrelations {
    static let specifications = ExploreCommand.checkpointAnalysisFlags + [
        FlagSpecification(["count"], default: "1000", "test images encoded"),
        FlagSpecification(["level"], default: "top", "the level whose latents are correlated (default: the top)"),
        FlagSpecification(["batch_size"], default: "100", "images encoded per batch"),
    ]

    static let summary = """
        Pearson correlations between the latents of one level (every channel of every position of the
        level) over --count encoded test images: correlations.png (blue -1, white 0, red +1; channel-major
        order) and the mean |off-diagonal|, 0 for independent latents, to compare priors; then the
        largest eigenvalues against the largest one independent latents reach by chance (the
        Marchenko-Pastur edge), with each factor's weight per channel: a factor shared by many latents
        (one colour per image, say) stands far above that edge while every single correlation is small.
        """

    struct Report: Encodable {
        var checkpoint, network: String
        var level, latents, images: Int
        var meanAbsoluteOffDiagonal: Double
        var largestEigenvalues: [Double]
        var noiseEdge: Double
        var factorChannelShares: [[Double]]
        var matrix: [Double]
    }

    static func run(_ arguments: [String]) throws {
        guard let context = try ExploreContext.make(arguments, command: "correlations", summary: summary,
                                                    specifications: specifications) else { return }
        let flags = context.flags, model = context.model, levels = context.levels
        let text = flags.string("level")!
        let level = text == "top" ? levels.topLevel : try flags.integer("level", minimum: 0)
        guard level <= levels.topLevel else { throw UsageError("--level \(level): this network's levels are 0...\(levels.topLevel)") }
        let count = try flags.integer("count", minimum: 2, maximum: 1_000_000)
        let batch = try flags.integer("batch_size", minimum: 1, maximum: 4096)
        var latents: [Tensor<Float>] = []
        for start in stride(from: 0, to: count, by: batch) {
            latents.append(model.encode(try context.testImages(Array(start..<min(count, start + batch)))))
        }
        let correlations = LatentCorrelations(latents: Tensor.concatenate(latents, axis: 0), levels: levels, level: level)
        let n = correlations.count
        let factors = correlations.largestFactors(5, channels: model.configuration.channels)
        let figure = try context.write(PNGEncoder.figureGrid(of: ColorMap.signed.image(correlations.matrix.map(Float.init), height: n, width: n),
                                                             minimumImageSide: 384), name: "correlations")
        let json = try context.write(json: Report(checkpoint: context.checkpoint, network: model.configuration.networkName,
                                                  level: level, latents: n, images: count,
                                                  meanAbsoluteOffDiagonal: correlations.meanAbsoluteOffDiagonal,
                                                  largestEigenvalues: factors.map(\.eigenvalue), noiseEdge: correlations.noiseEdge,
                                                  factorChannelShares: factors.map(\.channelShares),
                                                  matrix: correlations.matrix), name: "correlations")
        print(String(format: "level %d: %d latents over %d images, mean |off-diagonal correlation| %.4f", level, n, count,
                     correlations.meanAbsoluteOffDiagonal))
        print("largest eigenvalues " + factors.map { String(format: "%.2f", $0.eigenvalue) }.joined(separator: ", ")
              + String(format: " (independent latents reach about %.2f by chance)", correlations.noiseEdge))
        for (index, factor) in factors.prefix(3).enumerated() {
            print("  factor \(index + 1): weight per channel " + factor.channelShares.map { String(format: "%.0f%%", 100 * $0) }.joined(separator: " / "))
        }
        print("wrote \(figure.path) and \(json.path)")
    }
}
