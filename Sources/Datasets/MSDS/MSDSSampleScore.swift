// A learned-model-free measure of how MSDS-like generated samples are: each image is checked
// against what the generator always draws (dark background, 16 ellipses on a 4x4 lattice).

import Tensor

/// Judges whether images look like MSDS1 or MSDS2 images, from the generator's structure
/// alone (no learned model).
///
/// An MSDS image (see ``MSDSGenerator``) is black with 16 small ellipses, about 6x2 pixels
/// (area 3π ≈ 9.4), one per 8x8 cell of a 4x4 lattice with its centre within one pixel of
/// the cell's centre in x and y; msds1 ellipses share one colour up to `± 32` per channel.
/// An image looks like MSDS when it passes, in order:
///
/// 1. ``MSDSSampleCriterion/darkBackground``: the pixels neither in nor next to an
///    ellipse-sized blob have mean brightness at most ``maximumBackgroundMean`` and at most
///    ``maximumBrightBackgroundPixels`` of them reach ``brightnessThreshold``.
/// 2. ``MSDSSampleCriterion/lattice``: at least ``minimumOccupiedCells`` of the 16 cells
///    hold exactly one ellipse-sized blob whose centre is within ``latticeDistance`` of
///    the cell's centre, and at most ``maximumStrayBlobs`` blobs are near no cell centre.
/// 3. ``MSDSSampleCriterion/elongation``: the median elongation of the blobs in occupied
///    cells is at least ``minimumEllipseElongation`` (round dots are not MSDS's ellipses).
/// 4. ``MSDSSampleCriterion/uniformColor`` (msds1 only): the colours of the blobs in
///    occupied cells span at most ``maximumColorRange`` in every channel.
///
/// Blobs are the 8-connected regions of pixels whose brightness (largest channel) reaches
/// ``brightnessThreshold``; one that crosses a cell border is split there when every piece
/// has an area in ``touchingPieceAreas`` (real ellipses never cross a border, but in about
/// a third of images two tips touch at one and join two ellipses into one region). A blob
/// is ellipse-sized when
/// its area at full opacity, Σ brightness / peak brightness over the blob and its fringe,
/// is in ``ellipseAreaRange``; a blob's colour is its brightest pixel's, where the ellipse
/// covers the pixel almost fully. The thresholds were chosen from the first 3000 test
/// images of each variant, all of which pass (the measured extremes are quoted at each).
///
/// ```swift
/// let report = MSDSSampleScore(variant: .msds1).score(samples)  // [batch, 3, 32, 32] in [0, 1]
/// print(report)  // msds1 sample score 0.94 (47/50 look like MSDS; failed first: …)
/// ```
public struct MSDSSampleScore: Sendable, Hashable {
    /// The brightness from which a pixel belongs to a blob: 0.1 (about 26/255).
    ///
    /// As low as the background allows because MSDS draws some ellipses nearly black (msds2
    /// colours are U{0...255} per channel; msds1 reaches 0 when `c = 32` and the offset is
    /// -32), and a lost ellipse is a missing cell. Real backgrounds are exactly 0 away from
    /// the ellipses (their mean measured at most 0.003). At 0.1, an ellipse went undetected
    /// in 2 of 3000 msds1 and 42 of 3000 msds2 test images.
    public static let brightnessThreshold: Float = 0.1
    /// The areas, in pixels at full opacity, of an ellipse-sized blob: 5...16.
    ///
    /// An ellipse covers 3π ≈ 9.4 pixels; real blobs measured 7.4...10.8. Below 5, about
    /// half an ellipse, a blob is a dot or a speck; above 16, about 1.7 ellipses, it is a
    /// smear or several ellipses run together.
    public static let ellipseAreaRange: ClosedRange<Float> = 5...16
    /// The areas every piece of a blob cut at the cell borders must have for the blob to
    /// count as ellipses touching across a border: 7...16.
    ///
    /// The pieces of real touching ellipses measured at least 9.6. The smaller piece of one
    /// ellipse drawn across a border measured at most 6.0 in 20 000 random placements (each
    /// piece is measured against its own, dimmer peak), so such an ellipse stays whole, and
    /// off the lattice.
    public static let touchingPieceAreas: ClosedRange<Float> = 7...16
    /// How far, in pixels, a blob's centre may lie from its cell's centre: 2.5.
    ///
    /// The generator jitters each ellipse by U{-1, 0, 1} in x and y, at most √2 ≈ 1.41
    /// from the centre (measured at most 1.6 with anti-aliasing); 2.5 allows a sampled
    /// ellipse another pixel of imprecision and stays well below half the cell spacing (4).
    public static let latticeDistance: Float = 2.5
    /// The cells, of 16, that must hold exactly one blob: 14.
    ///
    /// Two cells of slack cover ellipses drawn too dark to see (msds2 draws each ellipse with
    /// all channels below 26/255 with probability (26/256)³ ≈ 0.1%) without accepting images
    /// with visibly missing ellipses.
    public static let minimumOccupiedCells = 14
    /// How many ellipse-sized blobs may lie near no cell centre: 2 (real images have none).
    public static let maximumStrayBlobs = 2
    /// The mean brightness the background may have: 0.05 (about 13/255, dark gray).
    ///
    /// Real backgrounds measured at most 0.003; the brightest channel of a sigmoid of
    /// prior noise or of uniform noise averages above 0.5.
    public static let maximumBackgroundMean: Float = 0.05
    /// How many background pixels may reach ``brightnessThreshold``: 4 (real images have
    /// none; a handful of specks still reads as a clean image).
    public static let maximumBrightBackgroundPixels = 4
    /// The largest per-channel range of blob colours an msds1 image may have: 96/255.
    ///
    /// msds1 draws ellipse colours `c + U{-32...32}`, a range of at most 64/255 per channel
    /// (measured at most 66/255 from the blobs' brightest pixels); 1.5 times that allows
    /// a sample some colour noise, while msds2's independent colours span at least 194/255
    /// (median 242/255).
    public static let maximumColorRange: Float = 96.0 / 255

    /// The median elongation the ellipses of an image must reach: 1.8.
    ///
    /// A 6 x 2 ellipse is 3 times as long as wide; drawn anti-aliased in 8 x 8 pixels and
    /// measured over its dim fringe, MSDS's medians were 2.25...2.30 over the first 3000
    /// test images of either variant (the median image 2.29). A round blob measures 1; the
    /// faint dots of early training measured 1.2...1.4.
    public static let minimumEllipseElongation: Float = 1.8

    /// The variant samples are compared with.
    public let variant: MSDSVariant

    /// A score that judges images as `variant` images.
    public init(variant: MSDSVariant) {
        self.variant = variant
    }

    /// The fraction of `images` that look like `variant` images, with every image's
    /// assessment.
    ///
    /// - Parameter images: `[batch, 3, 32, 32]` values in [0, 1], as a flow's samples after
    ///   the logit transform's inverse (values outside are clamped, NaN counts as 0).
    public func score(_ images: Tensor<Float>) -> MSDSScoreReport {
        let side = MSDSGenerator.sideLength
        precondition(images.rank == 4 && Array(images.shape.dropFirst()) == [3, side, side],
                     "the MSDS sample score needs [batch, 3, \(side), \(side)] images, got shape \(images.shape)")
        let values = images.scalars
        let imageSize = 3 * side * side
        let assessments = (0..<images.shape[0]).map { index in
            assess(planes: Array(values[(index * imageSize)..<((index + 1) * imageSize)]))
        }
        return MSDSScoreReport(variant: variant, assessments: assessments)
    }

    /// Measures one image and judges it by each criterion in order.
    ///
    /// - Parameter image: `[3, 32, 32]` (or `[1, 3, 32, 32]`) values in [0, 1].
    public func assess(_ image: Tensor<Float>) -> MSDSImageAssessment {
        let side = MSDSGenerator.sideLength
        let shape = image.shape.first == 1 && image.rank == 4 ? Array(image.shape.dropFirst()) : image.shape
        precondition(shape == [3, side, side], "the MSDS sample score needs a [3, \(side), \(side)] image, got shape \(image.shape)")
        return assess(planes: image.scalars)
    }

    /// Measures one image given as `[3, 32, 32]` planar values in [0, 1] (the layout of
    /// ``MSDSDataset/image(at:augmentationSeed:)``) and judges it by each criterion in order.
    public func assess(planes: [Float]) -> MSDSImageAssessment {
        let side = MSDSGenerator.sideLength
        let cellSide = MSDSGenerator.tileSide
        let map = MSDSBlobMap(planes: planes, side: side, threshold: Self.brightnessThreshold,
                              cellSide: cellSide, pieceAreas: Self.touchingPieceAreas)
        let ellipses = map.blobs.filter { Self.ellipseAreaRange.contains($0.effectiveArea) }

        var nearEllipse = [Bool](repeating: false, count: side * side)
        for blob in ellipses { for pixel in blob.neighbourhood { nearEllipse[pixel] = true } }
        var backgroundTotal: Float = 0, backgroundCount = 0, brightBackground = 0
        for pixel in 0..<(side * side) where !nearEllipse[pixel] {
            backgroundTotal += map.brightness[pixel]
            backgroundCount += 1
            if map.brightness[pixel] >= Self.brightnessThreshold { brightBackground += 1 }
        }
        let backgroundMean = backgroundCount == 0 ? 0 : backgroundTotal / Float(backgroundCount)

        let cells = Self.latticeCells(of: ellipses, cellSide: cellSide)
        let occupied = cells.members.filter { $0.count == 1 }.map { ellipses[$0[0]] }
        let colorSpread = Self.colorSpread(of: occupied)
        let peaks = occupied.map(\.peakBrightness).sorted()
        let ellipseBrightness = peaks.isEmpty ? nil : peaks[peaks.count / 2]
        let elongations = occupied.map(\.elongation).sorted()
        let ellipseElongation = elongations.isEmpty ? nil : elongations[elongations.count / 2]

        var assessment = MSDSImageAssessment(
            blobCount: ellipses.count, occupiedCells: occupied.count, strayBlobCount: cells.strayCount,
            backgroundMean: backgroundMean, brightBackgroundPixels: brightBackground, colorSpread: colorSpread,
            ellipseBrightness: ellipseBrightness, ellipseElongation: ellipseElongation, failedCriterion: nil, failureReason: nil)
        if let (criterion, reason) = firstFailure(of: assessment) {
            assessment.failedCriterion = criterion
            assessment.failureReason = reason
        }
        return assessment
    }

    /// The first criterion `assessment`'s measurements fail, with the reason in words.
    private func firstFailure(of assessment: MSDSImageAssessment) -> (MSDSSampleCriterion, String)? {
        func rounded(_ value: Float) -> Float { (value * 1000).rounded() / 1000 }
        if assessment.backgroundMean > Self.maximumBackgroundMean {
            return (.darkBackground, "background mean brightness \(rounded(assessment.backgroundMean)) "
                        + "above \(Self.maximumBackgroundMean)")
        }
        if assessment.brightBackgroundPixels > Self.maximumBrightBackgroundPixels {
            return (.darkBackground, "\(assessment.brightBackgroundPixels) bright pixels outside ellipse-sized "
                        + "blobs, at most \(Self.maximumBrightBackgroundPixels)")
        }
        let cellCount = MSDSGenerator.gridSize * MSDSGenerator.gridSize
        if assessment.occupiedCells < Self.minimumOccupiedCells {
            return (.lattice, "\(assessment.occupiedCells) of \(cellCount) lattice cells hold exactly one "
                        + "ellipse, need \(Self.minimumOccupiedCells)")
        }
        if assessment.strayBlobCount > Self.maximumStrayBlobs {
            return (.lattice, "\(assessment.strayBlobCount) ellipses off the lattice, at most \(Self.maximumStrayBlobs)")
        }
        if let elongation = assessment.ellipseElongation, elongation < Self.minimumEllipseElongation {
            return (.elongation, "median ellipse elongation \(rounded(elongation)), at least \(Self.minimumEllipseElongation)")
        }
        if MSDSSampleCriterion.uniformColor.applies(to: variant),
           let spread = assessment.colorSpread, spread > Self.maximumColorRange {
            return (.uniformColor, "ellipse colours span \(Int((spread * 255).rounded()))/255 in a channel, "
                        + "at most \(Int((Self.maximumColorRange * 255).rounded()))/255")
        }
        return nil
    }

    /// The blobs (by index) whose centre is within ``latticeDistance`` of each cell's
    /// centre, cells in reading order, and how many blobs are near no centre.
    private static func latticeCells(of blobs: [MSDSBlob], cellSide: Int) -> (members: [[Int]], strayCount: Int) {
        let gridSize = MSDSGenerator.gridSize
        var members = [[Int]](repeating: [], count: gridSize * gridSize)
        var strayCount = 0
        let spacing = Float(cellSide)
        for (index, blob) in blobs.enumerated() {
            // The nearest lattice centre is the centre of the cell the blob's centre is in.
            let column = min(max(Int((blob.centroidX / spacing).rounded(.down)), 0), gridSize - 1)
            let row = min(max(Int((blob.centroidY / spacing).rounded(.down)), 0), gridSize - 1)
            let dx = blob.centroidX - (Float(column) + 0.5) * spacing
            let dy = blob.centroidY - (Float(row) + 0.5) * spacing
            if (dx * dx + dy * dy).squareRoot() <= latticeDistance {
                members[row * gridSize + column].append(index)
            } else {
                strayCount += 1
            }
        }
        return (members, strayCount)
    }

    /// The largest per-channel range of the blobs' colours, or `nil` for fewer than two.
    private static func colorSpread(of blobs: [MSDSBlob]) -> Float? {
        guard blobs.count >= 2 else { return nil }
        return (0..<3).map { channel in
            let values = blobs.map { $0.peakColor[channel] }
            return values.max()! - values.min()!
        }.max()
    }
}
