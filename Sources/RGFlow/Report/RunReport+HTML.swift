// The run report as one polyglot XHTML page: valid XML (every tag closed, attributes quoted,
// text escaped) that browsers read as HTML5, styled inline, with no scripts or fetches.

extension RunReport {
    /// The page: title, command line, sample grids side by side with their temperature,
    /// the loss curve, a table per epoch (train and test bits/dim, sample scores per
    /// temperature), checkpoint links, the configuration and the summary lines.
    ///
    /// Sections with nothing to show are left out. Sample grids are shown at their own
    /// pixel size (make them with `PNGEncoder.figureGrid`, which enlarges 32-pixel images
    /// to 128) and scaled down only to fit a narrow window, never blurred up.
    public var html: String {
        var body: [String] = ["<h1>\(MarkupText.escaped(title))</h1>",
                              "<pre class=\"command\"><code>\(MarkupText.escaped(commandLine))</code></pre>"]
        body += samplesSection()
        body += lossCurveSection()
        body += epochsSection()
        if !checkpoints.isEmpty {
            body.append("<h2>Checkpoints</h2>")
            body.append("<ul class=\"checkpoints\">")
            body += checkpoints.map { "<li><a href=\"\(MarkupText.escapedPath($0.path))\">\(MarkupText.escaped($0.label))</a></li>" }
            body.append("</ul>")
        }
        if !configuration.isEmpty {
            body.append("<h2>Configuration</h2>")
            body.append("<table class=\"configuration\"><tbody>")
            body += configuration.map {
                "<tr><th class=\"name\" scope=\"row\">\(MarkupText.escaped($0.name))</th>"
                    + "<td class=\"name\">\(MarkupText.escaped($0.value))</td></tr>"
            }
            body.append("</tbody></table>")
        }
        if !summary.isEmpty {
            body.append("<h2>Summary</h2>")
            body.append("<pre class=\"summary\">\(MarkupText.escaped(summary.joined(separator: "\n")))</pre>")
        }
        return """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en" xml:lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(MarkupText.escaped(title))</title>
            <style>
            \(RunReport.styleSheet)
            </style>
            </head>
            <body>
            <main>
            \(body.joined(separator: "\n"))
            </main>
            </body>
            </html>

            """
    }

    /// The latest sample grids side by side, each captioned with its temperature.
    private func samplesSection() -> [String] {
        guard !sampleGrids.isEmpty else { return [] }
        let heading = samplesEpoch.map { "Samples after epoch \($0)" } ?? "Samples"
        var parts = ["<h2>\(heading)</h2>", "<div class=\"samples\">"]
        for grid in sampleGrids {
            parts.append("<figure><img src=\"\(MarkupText.escapedPath(grid.path))\" "
                         + "alt=\"samples at \(MarkupText.escaped(grid.caption))\"/>"
                         + "<figcaption>\(MarkupText.escaped(grid.caption))</figcaption></figure>")
        }
        parts.append("</div>")
        return parts
    }

    private func lossCurveSection() -> [String] {
        switch lossCurve {
        case nil: []
        case .inline(let figure)?: ["<h2>Loss curve</h2>", "<div class=\"curve\">", figure.svgElement, "</div>"]
        case .file(let path)?:
            ["<h2>Loss curve</h2>",
             "<div class=\"curve\"><img src=\"\(MarkupText.escapedPath(path))\" alt=\"loss curve\"/></div>"]
        }
    }

    /// One row per epoch; one score column per temperature any epoch was scored at,
    /// highest temperature first (T = 1 before the colder ones).
    private func epochsSection() -> [String] {
        guard !epochs.isEmpty else { return [] }
        let temperatures = Set(epochs.flatMap(\.sampleScores.keys)).sorted(by: >)
        let headers = ["epoch", "train bits/dim", "test bits/dim"]
            + temperatures.map { "sample score T = \(MarkupText.temperature($0))" }
        var parts = ["<h2>Epochs</h2>", "<table class=\"epochs\">",
                     "<thead><tr>" + headers.map { "<th scope=\"col\">\(MarkupText.escaped($0))</th>" }.joined() + "</tr></thead>",
                     "<tbody>"]
        let missing = "–"
        for summary in epochs {
            var cells = ["\(summary.epoch)", MarkupText.fixed(summary.trainBitsPerDimension, digits: 4),
                         summary.testBitsPerDimension.map { MarkupText.fixed($0, digits: 4) } ?? missing]
            cells += temperatures.map { temperature in
                summary.sampleScores[temperature].map { MarkupText.fixed($0 * 100, digits: 0) + "%" } ?? missing
            }
            parts.append("<tr>" + cells.map { "<td>\(MarkupText.escaped($0))</td>" }.joined() + "</tr>")
        }
        parts += ["</tbody>", "</table>"]
        return parts
    }

    /// The page's CSS: large sample grids with bold captions, a readable table, no external
    /// fonts. It contains no `<` or `&`, so it is valid XML character data as it stands.
    static let styleSheet = """
        body { margin: 0; background: #eeeeee; color: #1a1a1a; font-family: Helvetica, Arial, sans-serif; font-size: 15px; }
        main { max-width: 1240px; margin: 0 auto; padding: 24px 32px 48px; background: #ffffff; }
        h1 { font-size: 28px; margin: 0 0 12px; }
        h2 { font-size: 20px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid #dddddd; }
        pre { margin: 0; padding: 10px 12px; background: #f3f3f3; border-radius: 4px; font-size: 14px; white-space: pre-wrap; overflow-wrap: anywhere; }
        .samples { display: flex; flex-wrap: wrap; gap: 32px; }
        figure { margin: 0; }
        figure img { display: block; max-width: 100%; height: auto; image-rendering: pixelated; }
        figcaption { margin-top: 8px; text-align: center; font-size: 20px; font-weight: bold; }
        .curve svg, .curve img { display: block; max-width: 100%; height: auto; }
        table { border-collapse: collapse; font-size: 14px; font-variant-numeric: tabular-nums; }
        th, td { padding: 4px 14px; border-bottom: 1px solid #e4e4e4; text-align: right; }
        thead th { background: #f3f3f3; }
        .name { text-align: left; }
        ul.checkpoints { margin: 0; padding-left: 20px; }
        """
}
