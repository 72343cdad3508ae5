// The loss-curve SVG and the run report page read back by an XML parser: well-formed,
// escaped, every drawn coordinate inside the plot box, every linked file present.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import RGFlow

/// The elements (with attributes) and character data of a parsed XML document.
private final class XMLContents: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var text = ""
    /// Character data per element name, for the innermost element being read.
    var textByElement: [String: [String]] = [:]
    private var open: [String] = []

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append((elementName, attributeDict))
        open.append(elementName)
        textByElement[elementName, default: []].append("")
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
        if let current = open.last { textByElement[current]![textByElement[current]!.count - 1] += string }
    }

    func elements(named name: String, class className: String? = nil) -> [[String: String]] {
        elements.filter { $0.name == name && (className == nil || $0.attributes["class"] == className) }.map(\.attributes)
    }
}

/// Parses `document`, failing the test with the parser's error when it is not well-formed.
private func parsed(_ document: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> XMLContents {
    let parser = XMLParser(data: Data(document.utf8))
    let contents = XMLContents()
    parser.delegate = contents
    let ok = parser.parse()
    try #require(ok, "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "unknown error")",
                 sourceLocation: sourceLocation)
    return contents
}

/// The plot box of a parsed loss curve and every drawn data coordinate.
private func plotGeometry(_ svg: XMLContents) throws -> (box: (x: Double, y: Double, width: Double, height: Double),
                                                         points: [(Double, Double)]) {
    let rect = try #require(svg.elements(named: "rect", class: "plot-box").first)
    let box = (Double(rect["x"]!)!, Double(rect["y"]!)!, Double(rect["width"]!)!, Double(rect["height"]!)!)
    var points: [(Double, Double)] = []
    for kind in ["train-raw", "train-smoothed", "test"] {
        for line in svg.elements(named: "polyline", class: kind) {
            for pair in line["points"]!.split(separator: " ") {
                let xy = pair.split(separator: ",").map { Double($0)! }
                points.append((xy[0], xy[1]))
            }
        }
    }
    for kind in ["train-point", "test-point"] {
        points += svg.elements(named: "circle", class: kind).map { (Double($0["cx"]!)!, Double($0["cy"]!)!) }
    }
    return (box, points)
}

private func isInside(_ point: (Double, Double), _ box: (x: Double, y: Double, width: Double, height: Double)) -> Bool {
    // Coordinates and box are both printed with two decimals from the same clamped values.
    point.0 >= box.x && point.0 <= box.x + box.width && point.1 >= box.y && point.1 <= box.y + box.height
}

/// A fresh folder under the system's temporary directory.
private func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rgflow-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// A bumpy, falling train curve of `count` batches over `epochs` epochs, and test points.
private func sampleCurve(count: Int, epochs: Int) -> (train: [CurvePoint], test: [CurvePoint]) {
    let train = (0..<count).map { index -> CurvePoint in
        let x = Double(index + 1) / Double(count) * Double(epochs)
        return CurvePoint(x: x, y: 2 + 3 * exp(-x) + 0.2 * sin(Double(index) * 1.7))
    }
    let test = (1...epochs).map { CurvePoint(x: Double($0), y: 2.1 + 3 * exp(-Double($0))) }
    return (train, test)
}

@Suite("Loss curve SVG")
struct LossCurveSVGTests {
    @Test("the document is well-formed XML with the title, labels and legend escaped")
    func escapedText() throws {
        let title = "bpd <msds1> & \"quotes\" 'too'\u{7}"
        let curve = sampleCurve(count: 50, epochs: 3)
        let figure = LossCurveSVG(title: title, train: curve.train, test: curve.test, xLabel: "epoch <e>", yLabel: "bits & dims")
        let svg = try parsed(figure.document)
        // XML cannot carry U+0007: it is replaced, the rest reads back exactly.
        let expected = "bpd <msds1> & \"quotes\" 'too'\u{FFFD}"
        #expect(svg.textByElement["title"] == [expected])
        #expect(svg.textByElement["text"]?.contains(expected) == true)
        #expect(svg.textByElement["text"]?.contains("epoch <e>") == true)
        #expect(svg.textByElement["text"]?.contains("bits & dims") == true)
        #expect(svg.textByElement["text"]?.contains("test, per epoch") == true)
        #expect(figure.document.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "))
        #expect(!figure.svgElement.contains("<?xml"))
    }

    @Test("every coordinate stays inside the plot box, with a y-range narrower than the data too",
          arguments: [nil, 2.5...3.5] as [ClosedRange<Double>?])
    func coordinatesInsideBox(yRange: ClosedRange<Double>?) throws {
        let curve = sampleCurve(count: 400, epochs: 5)
        let svg = try parsed(LossCurveSVG(title: "t", train: curve.train, test: curve.test, yRange: yRange).document)
        let geometry = try plotGeometry(svg)
        // 400 raw + 400 smoothed + 5 test points joined + 5 test markers.
        #expect(geometry.points.count == 400 + 400 + 5 + 5)
        #expect(geometry.points.allSatisfy { isInside($0, geometry.box) })
        if yRange != nil {
            // Values above 3.5 are drawn on the box's top edge, those below 2.5 on its bottom edge.
            #expect(geometry.points.contains { $0.1 == geometry.box.y })
            #expect(geometry.points.contains { $0.1 == geometry.box.y + geometry.box.height })
            // ... and the figure says so, once for each edge.
            #expect(svg.elements(named: "text", class: "clipped").count == 2)
        } else {
            #expect(svg.elements(named: "text", class: "clipped").isEmpty)
        }
    }

    @Test("NaN and infinite values are left out of every curve")
    func nonFiniteValuesSkipped() throws {
        var train = sampleCurve(count: 60, epochs: 2).train
        for index in stride(from: 3, to: 60, by: 7) { train[index].y = [Double.nan, .infinity, -.infinity][index % 3] }
        train[10].x = .nan
        let finiteCount = train.count { $0.x.isFinite && $0.y.isFinite }
        let test = [CurvePoint(x: 1, y: 2.5), CurvePoint(x: 2, y: .nan)]
        let figure = LossCurveSVG(title: "t", train: train, test: test)
        let svg = try parsed(figure.document)
        #expect(svg.elements(named: "polyline", class: "train-raw").first?["points"]?.split(separator: " ").count == finiteCount)
        #expect(svg.elements(named: "polyline", class: "train-smoothed").first?["points"]?.split(separator: " ").count == finiteCount)
        #expect(svg.elements(named: "circle", class: "test-point").count == 1)
        #expect(svg.elements(named: "polyline", class: "test").isEmpty)
        #expect(!figure.document.lowercased().contains("nan") && !figure.document.contains("inf"))
        let geometry = try plotGeometry(svg)
        #expect(geometry.points.allSatisfy { isInside($0, geometry.box) })
    }

    @Test("the epoch axis starts at 0 and is labelled in round steps")
    func epochTicks() throws {
        // Batches at 1/100, 2/100, ... 3 epochs: about 8 ticks over 0...3 means steps of 0.5.
        let curve = sampleCurve(count: 300, epochs: 3)
        let svg = try parsed(LossCurveSVG(title: "t", train: curve.train, test: curve.test).document)
        let box = try plotGeometry(svg).box
        // The x tick labels are the ones below the plot box.
        let xLabelCount = svg.elements(named: "text", class: "tick-label").count { Double($0["y"]!)! > box.y + box.height }
        let texts = svg.textByElement["text"]!
        #expect(xLabelCount == 7)
        #expect(["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0"].allSatisfy(texts.contains), "\(texts)")
    }

    @Test("a single point is a marker in the box; no data at all says so")
    func singlePointAndEmpty() throws {
        let one = try parsed(LossCurveSVG(title: "t", train: [CurvePoint(x: 0.5, y: 7)]).document)
        let geometry = try plotGeometry(one)
        #expect(one.elements(named: "circle", class: "train-point").count == 1 && geometry.points.count == 1)
        #expect(isInside(geometry.points[0], geometry.box))
        // Alone, the point is centred: its range is widened around it.
        #expect(abs(geometry.points[0].0 - (geometry.box.x + geometry.box.width / 2)) < 0.01)
        #expect(abs(geometry.points[0].1 - (geometry.box.y + geometry.box.height / 2)) < 0.01)

        let empty = try parsed(LossCurveSVG(title: "t", train: [CurvePoint(x: 1, y: .nan)]).document)
        #expect(empty.elements(named: "text", class: "empty").count == 1)
        #expect(try plotGeometry(empty).points.isEmpty)
    }

    @Test("ranges up to Double's limits still give finite coordinates and tick labels")
    func hugeRanges() throws {
        let train = [CurvePoint(x: 0, y: -1e308), CurvePoint(x: 1, y: 1e308), CurvePoint(x: 2, y: 1e-300),
                     CurvePoint(x: 1e15, y: 3)]
        let svg = try parsed(LossCurveSVG(title: "t", train: train).document)
        let geometry = try plotGeometry(svg)
        #expect(geometry.points.count == 8)
        #expect(geometry.points.allSatisfy { isInside($0, geometry.box) })
        #expect(svg.elements(named: "text", class: "tick-label").count >= 4)
        #expect(svg.textByElement["text"]!.allSatisfy { !$0.isEmpty })
    }

    @Test("thousands of batches are thinned per pixel column, keeping the extremes")
    func longRunsThinned() throws {
        let curve = sampleCurve(count: 100_000, epochs: 50)
        var train = curve.train
        train[12_345].y = 40  // a spike must survive the thinning
        let svg = try parsed(LossCurveSVG(title: "t", train: train, test: curve.test).document)
        let geometry = try plotGeometry(svg)
        let raw = svg.elements(named: "polyline", class: "train-raw")[0]["points"]!.split(separator: " ")
            .map { $0.split(separator: ",").map { Double($0)! } }
        #expect(raw.count <= 2 * Int(geometry.box.width + 1))
        // The spike is the maximum: with 5% of the span added each side it sits 0.05 / 1.1 of
        // the box height below the top.
        let spikeY = geometry.box.y + 0.05 / 1.1 * geometry.box.height
        #expect(raw.contains { abs($0[1] - spikeY) < 0.02 })
        #expect(geometry.points.allSatisfy { isInside($0, geometry.box) })
    }

    @Test("smoothing is the bias-corrected moving average: the weighted mean of the values so far")
    func smoothingFormula() {
        let values = (0..<40).map { 3 + sin(Double($0)) + Double($0 % 5) / 10 }
        let beta = 0.9
        let smoothed = LossCurveSVG.smoothed(values, smoothing: beta)
        for t in values.indices {
            // Σ_k β^(t-k) v_k / Σ_k β^(t-k), computed directly.
            let weights = (0...t).map { pow(beta, Double(t - $0)) }
            let expected = zip(weights, values[0...t]).map(*).reduce(0, +) / weights.reduce(0, +)
            #expect(abs(smoothed[t] - expected) <= 1e-12 * abs(expected), "t = \(t)")
        }
        #expect(smoothed[0] == values[0])
        #expect(LossCurveSVG.smoothed(values, smoothing: 0) == values)
    }

    @Test("write(to:) replaces the file whole and leaves no temporary file")
    func atomicWrite() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("loss.svg")
        try Data("old".utf8).write(to: url)
        let figure = LossCurveSVG(title: "t", train: sampleCurve(count: 10, epochs: 1).train)
        try figure.write(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == figure.document)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["loss.svg"])
    }
}

@Suite("Run report")
struct RunReportTests {
    /// A report with every section filled, special characters in the places people type.
    func fullReport(lossCurve: RunReport.LossCurve) -> RunReport {
        RunReport(
            title: "msds1 <small> & \"fast\" run",
            commandLine: "rgflow train --data msds1 --out_infix 'a&b' --nhidden \"<64>\"",
            configuration: [.init("data", "msds1"), .init("nhidden", "64 < 512 & more")],
            lossCurve: lossCurve,
            epochs: [
                .init(epoch: 1, trainBitsPerDimension: 5.4321, testBitsPerDimension: 4.9, sampleScores: [1: 0, 0.5: 0.02]),
                .init(epoch: 2, trainBitsPerDimension: 3.2, sampleScores: [1: 0.25]),
                .init(epoch: 3, trainBitsPerDimension: .nan),
            ],
            samplesEpoch: 3,
            sampleGrids: [.init(path: "samples/epoch 3 T=1.png", temperature: 1),
                          .init(path: "samples/epoch 3 #T=0.5.png", temperature: 0.5)],
            checkpoints: [.init(label: "epoch 3", path: "checkpoints/epoch_3.safetensors"),
                          .init(label: "latest", path: "checkpoints/epoch_3.safetensors")],
            summary: ["next: rgflow sample --checkpoint checkpoints/epoch_3.safetensors --T 0.5", "a < b && c"])
    }

    @Test("the page is polyglot XHTML: parses as XML, text escaped, no scripts or remote resources")
    func wellFormedPage() throws {
        let curve = sampleCurve(count: 30, epochs: 3)
        let report = fullReport(lossCurve: .inline(LossCurveSVG(title: "bits/dim & <more>", train: curve.train, test: curve.test)))
        let html = report.html
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\""))
        let page = try parsed(html)
        #expect(page.textByElement["h1"] == [report.title])
        #expect(page.textByElement["title"]?.contains(report.title) == true)
        #expect(page.textByElement["code"] == [report.commandLine])
        #expect(page.textByElement["td"]?.contains("64 < 512 & more") == true)
        #expect(page.textByElement["pre"]?.contains(report.summary.joined(separator: "\n")) == true)
        #expect(page.textByElement["figcaption"] == ["T = 1", "T = 0.5"])
        // The inline figure is there, with its own escaped title.
        #expect(page.elements(named: "svg").count == 1 && page.textByElement["title"]?.contains("bits/dim & <more>") == true)
        #expect(page.elements(named: "script").isEmpty && page.elements(named: "link").isEmpty)
        let references = page.elements.compactMap { $0.attributes["src"] ?? $0.attributes["href"] }
        #expect(references.allSatisfy { !$0.contains(":") && !$0.hasPrefix("/") }, "\(references)")
    }

    @Test("the epoch table has a score column per temperature, T = 1 first, and marks what is missing")
    func epochTable() throws {
        let page = try parsed(fullReport(lossCurve: .file(path: "loss.svg")).html)
        let headers = page.textByElement["th"]!.filter { $0.hasPrefix("sample score") || $0.hasSuffix("bits/dim") || $0 == "epoch" }
        #expect(headers == ["epoch", "train bits/dim", "test bits/dim", "sample score T = 1", "sample score T = 0.5"])
        let cells = page.textByElement["td"]!
        let rowOne = ["1", "5.4321", "4.9000", "0%", "2%"], rowTwo = ["2", "3.2000", "–", "25%", "–"]
        let rowThree = ["3", "nan", "–", "–", "–"]
        #expect(Array(cells.prefix(15)) == rowOne + rowTwo + rowThree)
    }

    @Test("every file the page and its figure refer to exists once the run's files are written",
          arguments: [false, true])
    func referencedFilesExist(inlineCurve: Bool) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let curve = sampleCurve(count: 30, epochs: 3)
        let figure = LossCurveSVG(title: "bits/dim", train: curve.train, test: curve.test)
        let report = fullReport(lossCurve: inlineCurve ? .inline(figure) : .file(path: "loss curve.svg"))
        #expect(report.missingFiles(in: folder) == report.referencedFiles())

        // The run's files: placeholders for grids and checkpoints, the real SVG.
        for path in report.referencedFiles() {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if path.hasSuffix(".svg") { try figure.write(to: url) } else { try Data([0x89, 0x50]).write(to: url) }
        }
        let pageURL = folder.appendingPathComponent("report.html")
        try report.write(to: pageURL)
        #expect(try String(contentsOf: pageURL, encoding: .utf8) == report.html)

        // Read the references back from the page itself and resolve them as a browser would.
        let page = try parsed(report.html)
        let references = page.elements.compactMap { $0.attributes["src"] ?? $0.attributes["href"] }
        #expect(Set(references.map { $0.removingPercentEncoding! }) == Set(report.referencedFiles()))
        #expect(references.count == report.sampleGrids.count + report.checkpoints.count + (inlineCurve ? 0 : 1))
        for reference in references {
            let resolved = try #require(URL(string: reference, relativeTo: pageURL)).standardizedFileURL
            #expect(FileManager.default.fileExists(atPath: resolved.path), "\(reference) → \(resolved.path)")
        }
        #expect(report.missingFiles(in: folder).isEmpty)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("checkpoints/epoch_3.safetensors"))
        #expect(report.missingFiles(in: folder) == ["checkpoints/epoch_3.safetensors"])
    }

    @Test("paths with spaces, # and % are percent-encoded in links and decode to the file name")
    func pathEncoding() throws {
        let report = RunReport(title: "t", commandLine: "c",
                               sampleGrids: [.init(path: "a b/c#d%e?.png", temperature: 0.75)])
        let page = try parsed(report.html)
        let source = try #require(page.elements(named: "img").first?["src"])
        #expect(source == "a%20b/c%23d%25e%3F.png")
        #expect(source.removingPercentEncoding == "a b/c#d%e?.png")
        #expect(page.textByElement["figcaption"] == ["T = 0.75"])
    }

    @Test("an empty report is still a valid page with only the title and command")
    func minimalReport() throws {
        let page = try parsed(RunReport(title: "nothing yet", commandLine: "rgflow train").html)
        #expect(page.elements(named: "h2").isEmpty && page.elements(named: "table").isEmpty)
        #expect(page.textByElement["h1"] == ["nothing yet"])
    }
}
