// What one training run's report page says: title, configuration, command, loss curve,
// per-epoch numbers, the latest sample grids, checkpoints and a closing summary.

import Foundation

/// One training run described for people: the data of its HTML report page.
///
/// The page (``html``) is one self-contained polyglot XHTML file: inline CSS, no scripts,
/// no network resources, readable by an XML parser and by any browser from the file
/// system. Files it shows or links (sample grids, checkpoints, a loss-curve SVG) are given
/// as paths relative to the page's folder; ``referencedFiles()`` lists them all so a
/// caller can check they exist before pointing someone at the page.
///
/// ```swift
/// var report = RunReport(title: "msds1, 6 epochs", commandLine: "rgflow train --data msds1 --epoch 6")
/// report.lossCurve = .inline(LossCurveSVG(title: "bits per dimension", train: train, test: test))
/// report.sampleGrids = [.init(path: "samples_T1.png", temperature: 1),
///                       .init(path: "samples_T0.5.png", temperature: 0.5)]
/// try report.write(to: folder.appendingPathComponent("report.html"))
/// ```
public struct RunReport: Sendable, Hashable {
    /// One row of the configuration table.
    public struct Setting: Sendable, Hashable {
        /// The option's name, e.g. `batch_size`.
        public var name: String
        /// Its value as text.
        public var value: String

        /// A configuration row.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The numbers of one finished epoch.
    public struct EpochSummary: Sendable, Hashable {
        /// The epoch, counted from 1.
        public var epoch: Int
        /// Mean train bits per dimension over the epoch's batches.
        public var trainBitsPerDimension: Double
        /// Test bits per dimension, when the test set was evaluated after this epoch.
        public var testBitsPerDimension: Double?
        /// The sample score (fraction of samples that look like the data, in [0, 1]) by
        /// sampling temperature, for the temperatures that were scored.
        public var sampleScores: [Double: Double]

        /// The numbers of epoch `epoch`.
        public init(epoch: Int, trainBitsPerDimension: Double, testBitsPerDimension: Double? = nil,
                    sampleScores: [Double: Double] = [:]) {
            self.epoch = epoch
            self.trainBitsPerDimension = trainBitsPerDimension
            self.testBitsPerDimension = testBitsPerDimension
            self.sampleScores = sampleScores
        }
    }

    /// A PNG grid of samples drawn at one temperature.
    public struct SampleGrid: Sendable, Hashable {
        /// The PNG's path relative to the report's folder.
        public var path: String
        /// The prior temperature the samples were drawn at.
        public var temperature: Double

        /// The grid at `path` drawn at `temperature`.
        public init(path: String, temperature: Double) {
            self.path = path
            self.temperature = temperature
        }

        /// The caption under the grid: `T = 1`, `T = 0.5`.
        public var caption: String { "T = \(MarkupText.temperature(temperature))" }
    }

    /// A labelled link to a file, such as a checkpoint.
    public struct FileLink: Sendable, Hashable {
        /// The link text, e.g. `epoch 6`.
        public var label: String
        /// The file's path relative to the report's folder.
        public var path: String

        /// A link labelled `label` to `path`.
        public init(label: String, path: String) {
            self.label = label
            self.path = path
        }
    }

    /// Where the page gets its loss curve from.
    public enum LossCurve: Sendable, Hashable {
        /// The figure embedded in the page as an `<svg>` element (the page stands alone).
        case inline(LossCurveSVG)
        /// An SVG file beside the page, by relative path, shown with `<img>`.
        case file(path: String)
    }

    /// The page title and heading.
    public var title: String
    /// The command that ran the training, shown verbatim.
    public var commandLine: String
    /// The configuration as name/value rows, in order.
    public var configuration: [Setting]
    /// The loss curve, if there is one yet.
    public var lossCurve: LossCurve?
    /// The finished epochs, in order.
    public var epochs: [EpochSummary]
    /// The epoch the sample grids were drawn after, for the section heading.
    public var samplesEpoch: Int?
    /// The latest sample grids, shown side by side in order (e.g. T = 1, then a lower T).
    public var sampleGrids: [SampleGrid]
    /// Links to the run's checkpoints.
    public var checkpoints: [FileLink]
    /// Closing lines shown as written (e.g. the commands to run next).
    public var summary: [String]

    /// A report with everything but the title and command optional.
    public init(
        title: String, commandLine: String, configuration: [Setting] = [], lossCurve: LossCurve? = nil,
        epochs: [EpochSummary] = [], samplesEpoch: Int? = nil, sampleGrids: [SampleGrid] = [],
        checkpoints: [FileLink] = [], summary: [String] = []
    ) {
        self.title = title
        self.commandLine = commandLine
        self.configuration = configuration
        self.lossCurve = lossCurve
        self.epochs = epochs
        self.samplesEpoch = samplesEpoch
        self.sampleGrids = sampleGrids
        self.checkpoints = checkpoints
        self.summary = summary
    }

    /// Every relative path the page refers to, in page order without repeats: the
    /// sample grids, the loss-curve file (when not inline) and the checkpoints. An inline
    /// loss curve refers to no file.
    public func referencedFiles() -> [String] {
        var paths = sampleGrids.map(\.path)
        if case .file(let path)? = lossCurve { paths.append(path) }
        paths += checkpoints.map(\.path)
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }

    /// The referenced files (``referencedFiles()``) missing from `folder`, the folder the
    /// page is (to be) written in; empty when every link will work.
    public func missingFiles(in folder: URL) -> [String] {
        referencedFiles().filter { !FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
    }

    /// Writes ``html`` to `url` atomically: Foundation writes a temporary file in the same
    /// folder and renames it over `url`, so a browser refreshing during training never
    /// shows a half-written page.
    ///
    /// - Throws: the file system's error when the folder is missing or not writable.
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(html.utf8), to: url)
    }
}
