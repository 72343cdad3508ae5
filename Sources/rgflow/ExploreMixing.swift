// `rgflow explore mix` and `rgflow explore traverse`: style mixing across levels and
// single-latent traversals, as image grids.

import Datasets
import Foundation
import RGFlow
import Tensor

enum ExploreMixing {
    static let specifications = ExploreCommand.checkpointAnalysisFlags + [
        FlagSpecification(["rows"], default: "0,1,2,3", "test images A (grid rows): their levels >= --level"),
        FlagSpecification(["columns"], default: "4,5,6,7", "test images B (grid columns): their levels < --level"),
        FlagSpecification(["level"], default: "2", "the lowest level taken from A"),
    ]

    static let summary = """
        Style mixing: latents of levels >= --level from image A, of lower levels from image B, decoded.
        mix_grid.png: the first row shows the B images, the first column the A images, cell (A, B) their
        mix. mix_strip.png: the first A with the first B mixed from every level (0 = A ... top + 1 = B).
        """

    struct Report: Encodable {
        var checkpoint: String
        var level: Int
        var rows, columns: [Int]
        var stripLevels: [Int]
    }

    static func run(_ arguments: [String]) throws {
        guard let context = try ExploreContext.make(arguments, command: "mix", summary: summary,
                                                    specifications: specifications) else { return }
        let flags = context.flags, model = context.model, levels = context.levels
        let level = try flags.integer("level", minimum: 0)
        guard level <= levels.levelCount else {
            throw UsageError("--level \(level): this network's levels are 0...\(levels.topLevel) (\(levels.levelCount) takes every level from B)")
        }
        let rowIndices = try integerList(flags.string("rows")!, flag: "rows")
        let columnIndices = try integerList(flags.string("columns")!, flag: "columns")
        let a = try context.testImages(rowIndices), b = try context.testImages(columnIndices)
        let mixed = model.styleMixingGrid(rows: a, columns: b, level: level)
        let c = model.configuration
        let blank = Tensor<Float>(repeating: 0.5, shape: [1, c.channels, c.sideLength, c.sideLength])
        var rows = [Tensor.concatenate([blank, b], axis: 0)]
        for row in 0..<rowIndices.count {
            let cells = mixed.sliced(axis: 0, start: row * columnIndices.count, end: (row + 1) * columnIndices.count)
            rows.append(Tensor.concatenate([a.sliced(axis: 0, start: row, end: row + 1), cells], axis: 0))
        }
        let grid = try context.write(PNGEncoder.figureGrid(rows: rows), name: "mix_grid")
        let strip = model.styleMixingStrip(coarse: a.sliced(axis: 0, start: 0, end: 1).copied(),
                                           fine: b.sliced(axis: 0, start: 0, end: 1).copied())
        let stripURL = try context.write(PNGEncoder.figureGrid(of: strip, columns: strip.shape[0]), name: "mix_strip")
        let json = try context.write(json: Report(checkpoint: context.checkpoint, level: level, rows: rowIndices,
                                                  columns: columnIndices, stripLevels: Array(0...levels.levelCount)),
                                     name: "mix")
        print("wrote \(grid.path) (levels >= \(level) from the row image), \(stripURL.path) (mixed from level 0 ... \(levels.levelCount)) and \(json.path)")
    }
}

enum ExploreTraversal {
    static let specifications = ExploreCommand.checkpointAnalysisFlags + [
        FlagSpecification(["index"], default: "0", "the test image whose latents are held"),
        FlagSpecification(["levels"], default: "all", "levels to traverse, one strip each (e.g. 0,2,3)"),
        FlagSpecification(["latent"], default: nil, "traverse this latent c,i,j instead (one strip)"),
        FlagSpecification(["position"], default: nil, "traverse every channel of position i,j together instead"),
        FlagSpecification(["amplitude"], default: "2.5", "values from -a to +a"),
        FlagSpecification(["steps"], default: "7", "images per strip"),
    ]

    static let summary = """
        Semantic manipulation: one latent swept from -a to +a with every other latent of the encoded
        image held. By default one strip per level, varying channel 0 of that level's position nearest
        the centre; --latent c,i,j or --position i,j picks the latent instead.
        """

    struct Strip: Encodable { var level: Int; var latent: String; var values: [Float] }

    static func run(_ arguments: [String]) throws {
        guard let context = try ExploreContext.make(arguments, command: "traverse", summary: summary,
                                                    specifications: specifications) else { return }
        let flags = context.flags, model = context.model, levels = context.levels
        let c = model.configuration
        let steps = try flags.integer("steps", minimum: 2, maximum: 256)
        let amplitude = Float(try flags.real("amplitude", in: 0...1e3))
        let z = model.encode(try context.testImages([try flags.integer("index", minimum: 0)]))
        var traversals: [(Int, LatentTraversal)] = []
        if let text = flags.string("latent") {
            let index = try integerList(text, flag: "latent")
            guard index.count == 3 else { throw UsageError("--latent '\(text)' must be c,i,j") }
            try check(channel: index[0], row: index[1], column: index[2], configuration: c, flag: "latent")
            traversals = [(levels.level(row: index[1], column: index[2]), .latent(channel: index[0], row: index[1], column: index[2]))]
        } else if let text = flags.string("position") {
            let index = try integerList(text, flag: "position")
            guard index.count == 2 else { throw UsageError("--position '\(text)' must be i,j") }
            try check(channel: 0, row: index[0], column: index[1], configuration: c, flag: "position")
            traversals = [(levels.level(row: index[0], column: index[1]), .position(row: index[0], column: index[1]))]
        } else {
            let chosen = flags.string("levels")! == "all" ? Array(0..<levels.levelCount) : try integerList(flags.string("levels")!, flag: "levels")
            if let bad = chosen.first(where: { !(0...levels.topLevel).contains($0) }) {
                throw UsageError("--levels: level \(bad) outside this network's levels 0...\(levels.topLevel)")
            }
            let centre = Double(c.sideLength - 1) / 2
            traversals = chosen.map { level in
                let position = levels.positionsByLevel[level].min { p, q in
                    let dp = pow(Double(p / c.sideLength) - centre, 2) + pow(Double(p % c.sideLength) - centre, 2)
                    let dq = pow(Double(q / c.sideLength) - centre, 2) + pow(Double(q % c.sideLength) - centre, 2)
                    return dp < dq
                }!
                return (level, .latent(channel: 0, row: position / c.sideLength, column: position % c.sideLength))
            }
        }
        let values = (0..<steps).map { -amplitude + 2 * amplitude * Float($0) / Float(steps - 1) }
        let rows = traversals.map { model.traversal(z, along: $0.1, amplitude: amplitude, steps: steps) }
        let figure = try context.write(PNGEncoder.figureGrid(rows: rows), name: "traverse")
        let json = try context.write(json: traversals.map { Strip(level: $0.0, latent: $0.1.description, values: values) },
                                     name: "traverse")
        for (level, traversal) in traversals { print("level \(level): \(traversal) from \(-amplitude) to \(amplitude)") }
        print("wrote \(figure.path) (one strip per row) and \(json.path)")
    }

    static func check(channel: Int, row: Int, column: Int, configuration c: FlowConfiguration, flag: String) throws {
        guard (0..<c.channels).contains(channel), (0..<c.sideLength).contains(row), (0..<c.sideLength).contains(column) else {
            throw UsageError("--\(flag): latent (\(channel), \(row), \(column)) outside the latents [\(c.channels), \(c.sideLength), \(c.sideLength)]")
        }
    }
}
