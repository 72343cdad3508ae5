// `rgflow explore receptive-fields`: fields |dx/dz| of latents at every level beside their
// exact supports, and the per-level table of support and effective field sizes.

import Datasets
import Foundation
import RGFlow
import Tensor

enum ExploreReceptiveFields {
    static let specifications = ExploreCommand.checkpointAnalysisFlags + [
        FlagSpecification(["source"], default: "data", "where the latents come from: data (encoded test images) or prior"),
        FlagSpecification(["count"], default: "4", "latent points the fields are averaged over"),
        FlagSpecification(["temperature"], default: "1", "prior temperature (--source prior)"),
        FlagSpecification(["latents_per_level"], default: "3", "latents shown per level in the figure"),
        FlagSpecification(["pixels_per_pass"], default: "256", "Jacobian rows per backward pass"),
    ]

    static let summary = """
        Receptive fields |dx/dz_{c,i,j}| through the inverse flow, averaged over --count latent points,
        for every latent; the figure shows --latents_per_level latents of each level (channel 0, one row
        per level), each field normalised to its own maximum (colour = square root of the fraction, black
        to pale yellow) beside its exact support (light gray) and its position (red). The
        JSON holds, per level, the mean support size and the mean 90% and 99% field sizes in pixels.
        """

    /// The per-level numbers and the latents drawn.
    struct Report: Encodable {
        struct Latent: Encodable { var level, channel, row, column, supportSize, size90, size99: Int }
        var checkpoint, network, source: String
        var samples: Int
        var levels: [LevelFieldSizes]
        var latents: [Latent]
    }

    static func run(_ arguments: [String]) throws {
        guard var context = try ExploreContext.make(arguments, command: "receptive-fields", summary: summary,
                                                    specifications: specifications) else { return }
        let flags = context.flags, model = context.model, levels = context.levels
        let count = try flags.integer("count", minimum: 1, maximum: 1024)
        let perLevel = try flags.integer("latents_per_level", minimum: 1, maximum: 64)
        let source = try flags.choice("source", ["data", "prior"])
        let latents: Tensor<Float>
        if source == "data" {
            latents = model.encode(try context.testImages(Array(0..<count)))
        } else {
            let temperature = Float(try flags.real("temperature", in: 0...100))
            latents = model.sampleLatents(count: count, temperature: temperature, using: &context.generator)
        }
        let fields = model.receptiveFields(at: latents, pixelsPerPass: try flags.integer("pixels_per_pass", minimum: 1, maximum: 1 << 16))
        let sizes = model.levelFieldSizes(fields)
        let side = levels.sideLength, plane = side * side
        var rows: [Tensor<Float>] = [], drawn: [Report.Latent] = []
        for level in 0..<levels.levelCount {
            let positions = levels.positionsByLevel[level]
            let chosen = (0..<min(perLevel, positions.count)).map { positions[($0 * positions.count + positions.count / 2) / min(perLevel, positions.count)] }
            var panels: [Tensor<Float>] = []
            for position in chosen {
                let field = fields.field(ofLatent: position)
                let peak = field.max() ?? 0
                // √ of the normalised field, so a field's faint extent shows beside its peak.
                panels.append(ColorMap.magnitude.image(field.map { Float(peak > 0 ? ($0 / peak).squareRoot() : 0) },
                                                       height: side, width: side))
                let support = model.network.support(ofLatent: position)
                let positionsReached = (0..<plane).map { p in (0..<levels.channels).contains { support[$0 * plane + p] } }
                panels.append(supportPanel(positionsReached, latent: position, side: side))
                drawn.append(Report.Latent(level: level, channel: 0, row: position / side, column: position % side,
                                           supportSize: positionsReached.filter { $0 }.count,
                                           size90: fields.effectiveSize(ofLatent: position, holding: 0.9),
                                           size99: fields.effectiveSize(ofLatent: position, holding: 0.99)))
            }
            rows.append(Tensor.concatenate(panels, axis: 0))
        }
        let figure = try context.write(PNGEncoder.figureGrid(rows: rows), name: "receptive_fields")
        let json = try context.write(json: Report(checkpoint: context.checkpoint, network: model.configuration.networkName,
                                                  source: source, samples: count, levels: sizes, latents: drawn),
                                     name: "receptive_fields")
        print("level  latents  support  90% field  99% field   (pixels of \(plane); means over the level's latents)")
        for size in sizes {
            print(String(format: "%5d  %7d  %7.1f  %9.1f  %9.1f", size.level, size.latentCount, size.supportSize, size.size90, size.size99))
        }
        print("wrote \(figure.path) (rows: levels 0 ... \(levels.topLevel); field | support pairs) and \(json.path)")
    }

    /// The support in light gray on dark gray, the latent's own position in red, `[1, 3, L, L]`.
    static func supportPanel(_ reached: [Bool], latent: Int, side: Int) -> Tensor<Float> {
        var planes = [Float](repeating: 0, count: 3 * side * side)
        for (index, inside) in reached.enumerated() {
            let value: Float = inside ? 0.78 : 0.12
            for channel in 0..<3 { planes[channel * side * side + index] = value }
        }
        planes[latent] = 0.9
        planes[side * side + latent] = 0.1
        planes[2 * side * side + latent] = 0.1
        return Tensor(shape: [1, 3, side, side], scalars: planes)
    }
}
