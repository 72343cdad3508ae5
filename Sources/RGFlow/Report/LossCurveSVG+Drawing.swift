// Drawing a LossCurveSVG: the plot box, ticks and labels, the three curves and the legend,
// emitted as SVG elements with a class per part (so tests and stylesheets can find them).

import Foundation

/// The layout and SVG text of one ``LossCurveSVG``.
struct LossCurveDrawing {
    static let trainColor = "#1f77b4"
    static let testColor = "#d62728"
    static let margins = (left: 76.0, right: 24.0, top: 48.0, bottom: 58.0)

    let figure: LossCurveSVG
    /// The plot box: `(left, top, width, height)` in pixels.
    let box: (left: Double, top: Double, width: Double, height: Double)
    let train: [CurvePoint]
    let test: [CurvePoint]
    let xAxis: PlotAxis
    let yAxis: PlotAxis

    init(_ figure: LossCurveSVG) {
        self.figure = figure
        let margins = LossCurveDrawing.margins
        box = (margins.left, margins.top, Double(figure.width) - margins.left - margins.right,
               Double(figure.height) - margins.top - margins.bottom)
        func finite(_ points: [CurvePoint]) -> [CurvePoint] { points.filter { $0.x.isFinite && $0.y.isFinite } }
        train = finite(figure.train)
        test = finite(figure.test)
        let all = train + test
        var xRange = PlotAxis.range(of: all.map(\.x), padding: 0) ?? (0, 1)
        // Train points start at 1/batchesPerEpoch, not 0: start the axis at 0 so it gets a
        // "0" tick rather than an unlabelled corner.
        if xRange.0 > 0 && xRange.0 <= (xRange.1 / 2 - xRange.0 / 2) * 2 / 10 { xRange.0 = 0 }
        let yRange = figure.yRange.map { ($0.lowerBound, $0.upperBound) }
            ?? PlotAxis.range(of: all.map(\.y), padding: 0.05) ?? (0, 1)
        xAxis = PlotAxis(lower: xRange.0, upper: xRange.1, start: box.left, end: box.left + box.width)
        yAxis = PlotAxis(lower: yRange.0, upper: yRange.1, start: box.top + box.height, end: box.top)
    }

    func svg() -> String {
        let width = figure.width, height = figure.height
        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
                + "viewBox=\"0 0 \(width) \(height)\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"13\">",
            "<title>\(MarkupText.escaped(figure.title))</title>",
            "<rect width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>",
            text(figure.title, x: Double(width) / 2, y: 28, anchor: "middle", extra: "font-size=\"17\" font-weight=\"bold\""),
        ]
        parts += axes()
        parts += curves()
        parts += legend()
        if train.isEmpty && test.isEmpty {
            parts.append(text("no finite values yet", x: box.left + box.width / 2, y: box.top + box.height / 2,
                              anchor: "middle", extra: "fill=\"#777777\" class=\"empty\""))
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }

    /// Grid lines, the plot box, ticks with labels and the axis labels.
    private func axes() -> [String] {
        var parts: [String] = []
        let bottom = box.top + box.height, right = box.left + box.width
        // More ticks across than up: the plot is about twice as wide as high.
        let xTicks = xAxis.ticks(target: 8), yTicks = yAxis.ticks(target: 6)
        for value in yTicks {
            let y = MarkupText.coordinate(yAxis.pixel(value))
            parts.append("<line class=\"grid\" x1=\"\(c(box.left))\" y1=\"\(y)\" x2=\"\(c(right))\" y2=\"\(y)\" stroke=\"#e6e6e6\"/>")
            parts.append("<line class=\"tick\" x1=\"\(c(box.left - 5))\" y1=\"\(y)\" x2=\"\(c(box.left))\" y2=\"\(y)\" stroke=\"#333333\"/>")
            parts.append(text(PlotAxis.label(value, among: yTicks), x: box.left - 8, y: yAxis.pixel(value) + 4, anchor: "end",
                              extra: "class=\"tick-label\""))
        }
        for value in xTicks {
            let x = MarkupText.coordinate(xAxis.pixel(value))
            parts.append("<line class=\"grid\" x1=\"\(x)\" y1=\"\(c(box.top))\" x2=\"\(x)\" y2=\"\(c(bottom))\" stroke=\"#e6e6e6\"/>")
            parts.append("<line class=\"tick\" x1=\"\(x)\" y1=\"\(c(bottom))\" x2=\"\(x)\" y2=\"\(c(bottom + 5))\" stroke=\"#333333\"/>")
            parts.append(text(PlotAxis.label(value, among: xTicks), x: xAxis.pixel(value), y: bottom + 20, anchor: "middle",
                              extra: "class=\"tick-label\""))
        }
        parts.append("<rect class=\"plot-box\" x=\"\(c(box.left))\" y=\"\(c(box.top))\" width=\"\(c(box.width))\" "
                     + "height=\"\(c(box.height))\" fill=\"none\" stroke=\"#333333\"/>")
        parts.append(text(figure.xLabel, x: box.left + box.width / 2, y: Double(figure.height) - 14, anchor: "middle",
                          extra: "class=\"axis-label\" font-size=\"14\""))
        let labelX = 20.0, labelY = box.top + box.height / 2
        parts.append(text(figure.yLabel, x: labelX, y: labelY, anchor: "middle",
                          extra: "class=\"axis-label\" font-size=\"14\" transform=\"rotate(-90 \(c(labelX)) \(c(labelY)))\""))
        return parts
    }

    /// The raw and smoothed train curves and the test curve with its points.
    private func curves() -> [String] {
        var parts: [String] = []
        let smoothedValues = LossCurveSVG.smoothed(train.map(\.y), smoothing: figure.smoothing)
        let smoothed = zip(train, smoothedValues).map { CurvePoint(x: $0.x, y: $1) }
        let limit = Int(2 * box.width)
        let raw = train.count > limit ? thinned(train, keepingExtremes: true) : train
        let bold = smoothed.count > limit ? thinned(smoothed, keepingExtremes: false) : smoothed
        if raw.count > 1 {
            parts.append(polyline(raw, kind: "train-raw", color: LossCurveDrawing.trainColor,
                                  extra: "stroke-width=\"1\" stroke-opacity=\"0.3\""))
            parts.append(polyline(bold, kind: "train-smoothed", color: LossCurveDrawing.trainColor, extra: "stroke-width=\"2.5\""))
        } else if let point = raw.first {
            parts.append(marker(point, kind: "train-point", color: LossCurveDrawing.trainColor))
        }
        if test.count > 1 {
            parts.append(polyline(test, kind: "test", color: LossCurveDrawing.testColor, extra: "stroke-width=\"2\""))
        }
        parts += test.map { marker($0, kind: "test-point", color: LossCurveDrawing.testColor) }
        // Values past the range are drawn on the box's edge; say so, or the flat run along the
        // edge reads as a plateau.
        let values = (train + test).map(\.y)
        if let highest = values.max(), highest > yAxis.upper {
            parts.append(text(String(format: "values above %.3g drawn on the top edge (highest %.4g)", yAxis.upper, highest),
                              x: box.left + 8, y: box.top + 16, anchor: "start", extra: "fill=\"#777777\" class=\"clipped\""))
        }
        if let lowest = values.min(), lowest < yAxis.lower {
            parts.append(text(String(format: "values below %.3g drawn on the bottom edge (lowest %.4g)", yAxis.lower, lowest),
                              x: box.left + 8, y: box.top + box.height - 8, anchor: "start",
                              extra: "fill=\"#777777\" class=\"clipped\""))
        }
        return parts
    }

    /// One entry per curve drawn, top right inside the plot box.
    private func legend() -> [String] {
        var entries: [(label: String, sample: (Double, Double) -> String)] = []
        if !train.isEmpty {
            if train.count > 1 {
                entries.append(("train, per batch", { x, y in self.legendLine(x, y, extra: "stroke-width=\"1\" stroke-opacity=\"0.3\"",
                                                                              color: LossCurveDrawing.trainColor) }))
            }
            let beta = MarkupText.temperature(figure.smoothing)
            entries.append(("train, moving average (β = \(beta))", { x, y in
                self.legendLine(x, y, extra: "stroke-width=\"2.5\"", color: LossCurveDrawing.trainColor) }))
        }
        if !test.isEmpty {
            entries.append(("test, per epoch", { x, y in
                self.legendLine(x, y, extra: "stroke-width=\"2\"", color: LossCurveDrawing.testColor)
                    + "<circle cx=\"\(self.c(x + 14))\" cy=\"\(self.c(y))\" r=\"4\" fill=\"\(LossCurveDrawing.testColor)\"/>"
            }))
        }
        guard !entries.isEmpty else { return [] }
        let rowHeight = 20.0, legendWidth = 250.0
        let left = box.left + box.width - legendWidth - 10, top = box.top + 10
        var parts = ["<g class=\"legend\">",
                     "<rect x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(legendWidth))\" "
                        + "height=\"\(c(Double(entries.count) * rowHeight + 10))\" fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>"]
        for (index, entry) in entries.enumerated() {
            let y = top + 15 + Double(index) * rowHeight
            parts.append(entry.sample(left + 10, y))
            parts.append(text(entry.label, x: left + 42, y: y + 4, anchor: "start", extra: ""))
        }
        parts.append("</g>")
        return parts
    }

    private func legendLine(_ x: Double, _ y: Double, extra: String, color: String) -> String {
        "<line x1=\"\(c(x))\" y1=\"\(c(y))\" x2=\"\(c(x + 28))\" y2=\"\(c(y))\" stroke=\"\(color)\" \(extra)/>"
    }

    /// At most two points per pixel column: its lowest and highest (in x order) or its last.
    private func thinned(_ points: [CurvePoint], keepingExtremes: Bool) -> [CurvePoint] {
        var result: [CurvePoint] = []
        var bucket: [CurvePoint] = []
        var bucketColumn = Int.min
        func flush() {
            guard let last = bucket.last else { return }
            if keepingExtremes {
                let low = bucket.min { $0.y < $1.y }!, high = bucket.max { $0.y < $1.y }!
                result += low.x <= high.x ? [low, high] : [high, low]
            } else {
                result.append(last)
            }
            bucket.removeAll(keepingCapacity: true)
        }
        for point in points {
            let column = Int(xAxis.pixel(point.x).rounded(.down))
            if column != bucketColumn { flush(); bucketColumn = column }
            bucket.append(point)
        }
        flush()
        return result
    }

    private func polyline(_ points: [CurvePoint], kind: String, color: String, extra: String) -> String {
        let coordinates = points.map { "\(c(xAxis.pixel($0.x))),\(c(yAxis.pixel($0.y)))" }.joined(separator: " ")
        return "<polyline class=\"\(kind)\" points=\"\(coordinates)\" fill=\"none\" stroke=\"\(color)\" "
            + "stroke-linejoin=\"round\" \(extra)/>"
    }

    private func marker(_ point: CurvePoint, kind: String, color: String) -> String {
        "<circle class=\"\(kind)\" cx=\"\(c(xAxis.pixel(point.x)))\" cy=\"\(c(yAxis.pixel(point.y)))\" r=\"4\" fill=\"\(color)\"/>"
    }

    private func text(_ content: String, x: Double, y: Double, anchor: String, extra: String) -> String {
        "<text x=\"\(c(x))\" y=\"\(c(y))\" text-anchor=\"\(anchor)\"\(extra.isEmpty ? "" : " " + extra)>"
            + "\(MarkupText.escaped(content))</text>"
    }

    private func c(_ value: Double) -> String { MarkupText.coordinate(value) }
}
