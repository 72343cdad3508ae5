// What the MSDS sample score found: the criteria an image is judged by, one image's
// measurements and verdict, and the summary over a batch of samples.

/// A test an image must pass to look like an MSDS image, in the order they are checked.
public enum MSDSSampleCriterion: String, Sendable, Hashable, CaseIterable, Codable {
    /// The background is dark: low mean brightness and almost no bright pixels outside the
    /// ellipse-sized blobs.
    case darkBackground
    /// The blobs sit on the 4x4 lattice: nearly every cell holds exactly one, and almost
    /// none lie between cells.
    case lattice
    /// The blobs are elongated as MSDS's 6 x 2 ellipses are: their median elongation is
    /// not far below the roundest real images'.
    case elongation
    /// msds1 only: the blobs share one colour up to the per-ellipse variation `c ± 32`.
    case uniformColor

    /// A short name for reports.
    public var label: String {
        switch self {
        case .darkBackground: "background"
        case .lattice: "lattice"
        case .elongation: "elongation"
        case .uniformColor: "colour"
        }
    }

    /// Whether images of `variant` are judged by this criterion: msds2 colours are
    /// independent per ellipse, so ``uniformColor`` applies to msds1 only.
    public func applies(to variant: MSDSVariant) -> Bool {
        self != .uniformColor || variant == .msds1
    }
}

/// The measurements of one image and whether it looks like an MSDS image.
public struct MSDSImageAssessment: Sendable, Hashable {
    /// Blobs of ellipse size (see ``MSDSSampleScore/ellipseAreaRange``) anywhere in the image.
    public var blobCount: Int
    /// Lattice cells holding exactly one ellipse-sized blob near the cell's centre (0...16).
    public var occupiedCells: Int
    /// Ellipse-sized blobs farther than ``MSDSSampleScore/latticeDistance`` from every
    /// cell centre.
    public var strayBlobCount: Int
    /// The mean brightness (largest channel, in [0, 1]) of the pixels that are neither in
    /// nor next to an ellipse-sized blob.
    public var backgroundMean: Float
    /// Background pixels (as for ``backgroundMean``) at least as bright as
    /// ``MSDSSampleScore/brightnessThreshold``: specks, smears and oversized regions.
    public var brightBackgroundPixels: Int
    /// The largest per-channel range (max - min), in [0, 1], of the colours of the blobs in
    /// occupied cells; `nil` with fewer than two such blobs. Measured for both variants, but
    /// only msds1 requires it to be small.
    public var colorSpread: Float?
    /// The median peak brightness (largest channel of the brightest pixel, in [0, 1]) of the
    /// blobs in occupied cells; `nil` when no cell is occupied. Reported, not judged: real
    /// medians measured 0.21...1 (msds1) and 0.52...1 (msds2) on the first 3000 test images,
    /// and blobs below the detection threshold already leave cells empty.
    public var ellipseBrightness: Float?
    /// The median elongation (long axis over short, from the blob's second moments; 1 for a
    /// round blob) of the blobs in occupied cells; `nil` when no cell is occupied.
    public var ellipseElongation: Float?
    /// The first criterion the image fails, in ``MSDSSampleCriterion`` order; `nil` when
    /// it passes all of them.
    public var failedCriterion: MSDSSampleCriterion?
    /// Why the image fails ``failedCriterion``, with the measured value and the limit;
    /// `nil` when it passes.
    public var failureReason: String?

    /// Whether the image passes every criterion.
    public var looksLikeMSDS: Bool { failedCriterion == nil }
}

/// The sample score of a batch: the fraction of images that look like MSDS images.
public struct MSDSScoreReport: Sendable, Hashable, CustomStringConvertible {
    /// The variant the images were judged against.
    public var variant: MSDSVariant
    /// Every image's assessment, in batch order.
    public var assessments: [MSDSImageAssessment]

    /// A report over `assessments` of `variant` images.
    public init(variant: MSDSVariant, assessments: [MSDSImageAssessment]) {
        self.variant = variant
        self.assessments = assessments
    }

    /// The number of images judged.
    public var imageCount: Int { assessments.count }

    /// The number of images that look like MSDS images.
    public var passingCount: Int { assessments.count { $0.looksLikeMSDS } }

    /// `passingCount / imageCount`, in [0, 1]; 0 for an empty batch.
    public var fraction: Double {
        imageCount == 0 ? 0 : Double(passingCount) / Double(imageCount)
    }

    /// How many images failed each criterion first (an image counts once, under the first
    /// criterion it fails); every criterion has an entry, possibly 0.
    public var failureCounts: [MSDSSampleCriterion: Int] {
        var counts = Dictionary(uniqueKeysWithValues: MSDSSampleCriterion.allCases.map { ($0, 0) })
        for case let criterion? in assessments.map(\.failedCriterion) { counts[criterion, default: 0] += 1 }
        return counts
    }

    /// The median of each measurement over the images, in words, to show how far samples
    /// are from passing, e.g. `medians: 16 blobs, 15 cells held, 0 strays, background mean
    /// 0.004, 2 bright background pixels, ellipse elongation 2.9,
    /// brightness 0.71, colour range 58/255`.
    public var medianMeasurements: String {
        guard !assessments.isEmpty else { return "medians: no images" }
        func median<T: Comparable>(_ values: [T]) -> T { values.sorted()[values.count / 2] }
        let spreads = assessments.compactMap(\.colorSpread)
        let spread = spreads.isEmpty ? "none" : "\(Int((median(spreads) * 255).rounded()))/255"
        let background = (median(assessments.map(\.backgroundMean)) * 1000).rounded() / 1000
        let brightnesses = assessments.compactMap(\.ellipseBrightness)
        let brightness = brightnesses.isEmpty ? "none" : "\((median(brightnesses) * 100).rounded() / 100)"
        let elongations = assessments.compactMap(\.ellipseElongation)
        let elongation = elongations.isEmpty ? "none" : "\((median(elongations) * 100).rounded() / 100)"
        return "medians: \(median(assessments.map(\.blobCount))) blobs, \(median(assessments.map(\.occupiedCells))) cells held, "
            + "\(median(assessments.map(\.strayBlobCount))) strays, background mean \(background), "
            + "\(median(assessments.map(\.brightBackgroundPixels))) bright background pixels, ellipse elongation \(elongation), "
            + "brightness \(brightness), "
            + "colour range \(spread)"
    }

    /// One line for logs, e.g.
    /// `msds1 sample score 0.94 (47/50 look like MSDS; failed first: background 1, lattice 2, elongation 0, colour 0)`;
    /// the criteria listed are those that apply to ``variant``.
    public var description: String {
        let counts = failureCounts
        let failures = MSDSSampleCriterion.allCases.filter { $0.applies(to: variant) }
            .map { "\($0.label) \(counts[$0] ?? 0)" }
        let score = (fraction * 100).rounded() / 100
        return "\(variant.rawValue) sample score \(score) (\(passingCount)/\(imageCount) look like MSDS; "
            + "failed first: \(failures.joined(separator: ", ")))"
    }
}
