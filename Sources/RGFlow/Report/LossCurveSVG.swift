// The training curve of a run as a standalone SVG: raw train bits/dim per batch (faint),
// its exponential moving average (bold) and test bits/dim per epoch, on labelled axes.

import Foundation

/// One point of a curve: `x` is the position along the run (epochs), `y` the value.
public struct CurvePoint: Sendable, Hashable, Codable {
    /// The position along the run, in epochs (fractional for batches).
    public var x: Double
    /// The value, e.g. bits per dimension.
    public var y: Double

    /// A point at `(x, y)`.
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A loss-curve figure: train bits/dim per batch and test bits/dim per epoch, as SVG text.
///
/// Pass train points at fractional epochs, `epoch - 1 + (batch + 1) / batchesPerEpoch` for
/// the batch-th batch (from 0) of epoch `epoch` (from 1), and test points at the epoch that
/// was just finished, so a test point sits at the end of the train points it follows. (Any
/// other x, such as the global batch index, works when both curves use it; set `xLabel`.)
///
/// The figure draws the raw train curve faint, its smoothed version bold (see
/// ``smoothed(_:smoothing:)``) and the test points joined by a line, in another colour, with
/// a title, tick labels, axis labels and a legend. Points with a non-finite coordinate are
/// left out (the curve joins their neighbours). Values outside `yRange` are
/// drawn at its edge. More train points than two per horizontal pixel are thinned to each
/// pixel column's lowest and highest value (raw) and last value (smoothed), which looks the
/// same and keeps the file small for long runs. The x axis starts at 0 when the data start
/// within the first tenth of their span from it.
public struct LossCurveSVG: Sendable, Hashable {
    /// The figure's title.
    public var title: String
    /// Train bits/dim per batch, in order.
    public var train: [CurvePoint]
    /// Test bits/dim per evaluated epoch, in order.
    public var test: [CurvePoint]
    /// The values the y axis shows; by default the finite values' range plus 5% each side.
    public var yRange: ClosedRange<Double>?
    /// The weight `β` of the exponential moving average of the train curve, in [0, 1).
    public var smoothing: Double
    /// The x axis label.
    public var xLabel: String
    /// The y axis label.
    public var yLabel: String
    /// The figure's width in pixels.
    public var width: Int
    /// The figure's height in pixels.
    public var height: Int

    /// A loss-curve figure of `train` and `test`.
    ///
    /// - Parameters:
    ///   - title: the title above the plot.
    ///   - train: train bits/dim per batch.
    ///   - test: test bits/dim per epoch.
    ///   - yRange: the y values to show (finite, non-empty); `nil` fits the data.
    ///   - smoothing: the moving average's `β`; 0.95 averages over about the last
    ///     `1 / (1 - β) = 20` batches.
    ///   - xLabel: the x axis label.
    ///   - yLabel: the y axis label.
    ///   - width: the figure's width in pixels (at least 200).
    ///   - height: the figure's height in pixels (at least 150).
    public init(
        title: String, train: [CurvePoint], test: [CurvePoint] = [], yRange: ClosedRange<Double>? = nil,
        smoothing: Double = 0.95, xLabel: String = "epoch", yLabel: String = "bits per dimension",
        width: Int = 960, height: Int = 440
    ) {
        precondition((0..<1).contains(smoothing), "smoothing must be in [0, 1), got \(smoothing)")
        precondition(width >= 200 && height >= 150, "a loss curve needs at least 200x150 pixels, got \(width)x\(height)")
        if let yRange {
            precondition(yRange.lowerBound.isFinite && yRange.upperBound.isFinite, "yRange must be finite, got \(yRange)")
        }
        self.title = title
        self.train = train
        self.test = test
        self.yRange = yRange
        self.smoothing = smoothing
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.width = width
        self.height = height
    }

    /// The exponential moving average of `values` with bias correction, as TensorBoard
    /// smooths scalars.
    ///
    /// `m_t = β m_{t-1} + (1 - β) v_t` from `m_0 = 0`, reported as `m_t / (1 - β^t)`: the
    /// plain average starts at `(1 - β) v_1`, far below the data; dividing by the weight
    /// the terms have so far makes the first value `v_1` and every value a weighted mean
    /// of the values so far (weights `β^(t-k)`). Non-finite values must be removed first.
    public static func smoothed(_ values: [Double], smoothing beta: Double) -> [Double] {
        precondition((0..<1).contains(beta), "smoothing must be in [0, 1), got \(beta)")
        var average = 0.0, weight = 0.0
        return values.map { value in
            average = beta * average + (1 - beta) * value
            weight = beta * weight + (1 - beta)
            return average / weight
        }
    }

    /// The figure as an `<svg>` element, for embedding in an HTML page.
    public var svgElement: String { LossCurveDrawing(self).svg() }

    /// The figure as a standalone SVG file's text (XML declaration and the element).
    public var document: String { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svgElement }

    /// Writes ``document`` to `url` atomically: Foundation writes a temporary file in the
    /// same folder and renames it over `url`, so a browser refreshing the page never reads
    /// a half-written figure.
    ///
    /// - Throws: the file system's error when the folder is missing or not writable.
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(document.utf8), to: url)
    }
}
