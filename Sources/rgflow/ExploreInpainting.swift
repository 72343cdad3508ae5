// `rgflow explore inpaint` and `rgflow explore cones`: filling a hole through the latents of
// its light cone, and how many latents a small hole touches as the image grows.

import Datasets
import Foundation
import RGFlow
import Tensor

enum ExploreInpainting {
    static let specifications = ExploreCommand.checkpointAnalysisFlags + [
        FlagSpecification(["indices"], default: "0,1,2,3", "test images to inpaint"),
        FlagSpecification(["hole"], default: "center", "the hole as row,column,height,width, or center (a 6x6 square)"),
        FlagSpecification(["steps"], default: "150", "Adam steps on the hole's latents"),
        FlagSpecification(["learning_rate"], default: "0.01", "Adam's learning rate on the latents"),
        FlagSpecification(["penalty"], default: "1e4", "weight of the known pixels' squared error"),
    ]

    static let summary = """
        Inpainting: only the latents whose exact support meets the hole move, optimised against
        -log p of the image with the known pixels held by a squared-error penalty; every other latent
        keeps its value. Each figure row: the image, the image with the hole, the inpainted image.
        """

    struct Report: Encodable {
        var checkpoint: String
        var hole: [Int]
        var touchedLatents, latentCount: Int
        var touchedPerLevel: [Int]
        var objective: [[Double]]
    }

    static func run(_ arguments: [String]) throws {
        guard let context = try ExploreContext.make(arguments, command: "inpaint", summary: summary,
                                                    specifications: specifications) else { return }
        let flags = context.flags, model = context.model, levels = context.levels
        let side = levels.sideLength
        let hole = try holeRectangle(flags.string("hole")!, side: side)
        var mask = [Bool](repeating: false, count: side * side)
        for i in hole[0]..<(hole[0] + hole[2]) { for j in hole[1]..<(hole[1] + hole[3]) { mask[i * side + j] = true } }
        let options = InpaintingOptions(steps: try flags.integer("steps", minimum: 0, maximum: 10_000),
                                        learningRate: try flags.real("learning_rate", in: 0...10),
                                        penalty: try flags.real("penalty", in: 0...1e12))
        let images = try context.testImages(try integerList(flags.string("indices")!, flag: "indices"))
        var rows: [Tensor<Float>] = [], objectives: [[Double]] = []
        var touched: [Bool] = []
        let holeTensor = Tensor<Float>(shape: [side, side], scalars: mask.map { $0 ? 1 : 0 })
        for index in 0..<images.shape[0] {
            let image = images.sliced(axis: 0, start: index, end: index + 1).copied()
            let result = model.inpaint(image, hole: mask, options: options)
            touched = result.touched
            objectives.append([result.objective.initial, result.objective.final])
            let masked = image * (1 - holeTensor) + holeTensor * 0.5
            rows.append(Tensor.concatenate([image, masked, result.pixels], axis: 0))
        }
        let plane = side * side
        let perLevel = (0..<levels.levelCount).map { level in
            (0..<levels.channels).flatMap { c in levels.positionsByLevel[level].map { c * plane + $0 } }.filter { touched[$0] }.count
        }
        let count = touched.filter { $0 }.count
        let figure = try context.write(PNGEncoder.figureGrid(rows: rows), name: "inpaint")
        let json = try context.write(json: Report(checkpoint: context.checkpoint, hole: hole, touchedLatents: count,
                                                  latentCount: model.dimensions, touchedPerLevel: perLevel, objective: objectives),
                                     name: "inpaint")
        print("hole rows \(hole[0])..<\(hole[0] + hole[2]), columns \(hole[1])..<\(hole[1] + hole[3]): "
              + "\(count) of the C L^2 = \(model.dimensions) latents touched (per level 0 ... \(levels.topLevel): \(perLevel))")
        print("wrote \(figure.path) (image | hole | inpainted per row) and \(json.path)")
    }

    /// `row,column,height,width` inside an L x L image, or `center`.
    static func holeRectangle(_ text: String, side: Int) throws -> [Int] {
        if text == "center" { return [side / 2 - 3, side / 2 - 3, 6, 6].map { max(0, $0) } }
        let values = try integerList(text, flag: "hole")
        guard values.count == 4, values[2] > 0, values[3] > 0 else {
            throw UsageError("--hole '\(text)' must be row,column,height,width with a positive height and width")
        }
        // Compared without adding, which could overflow for absurd values.
        guard values[0] >= 0, values[1] >= 0, values[0] < side, values[1] < side, values[2] <= side - values[0],
              values[3] <= side - values[1] else {
            throw UsageError("--hole '\(text)' reaches outside the \(side) x \(side) image")
        }
        return values
    }
}

enum ExploreCones {
    static let specifications = SharedFlags.network + SharedFlags.run + [
        FlagSpecification(["sides"], default: "8,16,32,64", "image sides L to build random networks for"),
        FlagSpecification(["output_dir"], default: "explore", "folder the JSON goes to"),
        FlagSpecification(["help", "h"], value: false, "show this help"),
    ]

    static let summary = """
        How many latents a 2x2 hole (rows and columns 1-2) touches, for random networks of the given
        flags at each side L (the count depends only on the MERA pattern and the coupling's structure;
        per-level lists are cut or extended with their last entry to each L's levels), printed beside
        all C L^2 latents, with the fit count = a + b log2 L.
        """

    struct Row: Encodable { var side, touched, latents: Int }

    static func run(_ arguments: [String]) throws {
        let flags = try ParsedFlags(arguments, specifications: specifications)
        if flags.isSet("help") {
            print(helpText(command: "explore cones", summary: summary, specifications: specifications))
            return
        }
        try SharedFlags.applyRunFlags(flags)
        var rows: [Row] = []
        for side in try integerList(flags.string("sides")!, flag: "sides") {
            guard (1...256).contains(side) else { throw UsageError("--sides: L \(side) outside 1...256") }
            let configuration = try SharedFlags.configuration(flags, sideLength: side, fittingLevels: true)
            let model = RGFlowModel<Float>(configuration: configuration, seed: try SharedFlags.seed(flags))
            var hole = [Bool](repeating: false, count: side * side)
            for (i, j) in [(1, 1), (1, 2), (2, 1), (2, 2)] where i < side && j < side { hole[i * side + j] = true }
            rows.append(Row(side: side, touched: model.latentsTouched(byHole: hole).filter { $0 }.count, latents: model.dimensions))
        }
        print("    L   touched   C L^2")
        for row in rows { print(String(format: "%5d  %8d  %6d", row.side, row.touched, row.latents)) }
        if rows.count >= 2 {
            let x = rows.map { log2(Double($0.side)) }, y = rows.map { Double($0.touched) }
            let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
            var sxy = 0.0, sxx = 0.0
            for (u, v) in zip(x, y) { sxy += (u - mx) * (v - my); sxx += (u - mx) * (u - mx) }
            print(String(format: "fit: touched = %.1f + %.1f log2 L", my - sxy / sxx * mx, sxy / sxx))
        }
        let output = URL(fileURLWithPath: flags.string("output_dir")!, isDirectory: true)
        try AtomicFile.makeFolder(output)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = output.appendingPathComponent("cones.json")
        try AtomicFile.write(try encoder.encode(rows), to: url)
        print("wrote \(url.path)")
    }
}
