// Colour maps for figures: magnitudes (receptive fields) and signed values (correlations)
// as RGB planes that the PNG grid writers take.

import Tensor

/// Maps numbers to colours for figures.
///
/// ``magnitude`` runs from black through violet and orange to pale yellow, monotone in
/// lightness, so a field's strong pixels stand out on a dark background; ``signed`` runs from
/// blue through near-white (0) to red, so the sign reads at a glance. Both interpolate
/// linearly between five anchor colours chosen for this package.
public enum ColorMap: Sendable {
    /// Values in [0, 1]: black (0) to pale yellow (1).
    case magnitude
    /// Values in [-1, 1]: blue (-1), near-white (0), red (1).
    case signed

    private var anchors: [(Float, Float, Float)] {
        switch self {
        case .magnitude:
            [(0, 0, 0), (0.24, 0.06, 0.44), (0.70, 0.20, 0.48), (0.97, 0.55, 0.22), (0.99, 0.97, 0.74)]
        case .signed:
            [(0.12, 0.28, 0.72), (0.55, 0.68, 0.90), (0.96, 0.96, 0.96), (0.92, 0.58, 0.50), (0.72, 0.09, 0.12)]
        }
    }

    /// The colour of `value` (clamped to the map's range; NaN maps to the lowest colour).
    public func color(_ value: Float) -> (red: Float, green: Float, blue: Float) {
        let t: Float
        switch self {
        case .magnitude: t = value.isNaN ? 0 : min(max(value, 0), 1)
        case .signed: t = value.isNaN ? 0 : (min(max(value, -1), 1) + 1) / 2
        }
        let anchors = anchors
        let position = t * Float(anchors.count - 1)
        let index = min(Int(position), anchors.count - 2)
        let f = position - Float(index)
        let (a, b) = (anchors[index], anchors[index + 1])
        return (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
    }

    /// An RGB image `[1, 3, height, width]` of `values` (row-major `height x width`).
    public func image(_ values: [Float], height: Int, width: Int) -> Tensor<Float> {
        precondition(values.count == height * width, "ColorMap.image: \(values.count) values for \(height) x \(width)")
        var planes = [Float](repeating: 0, count: 3 * values.count)
        for (index, value) in values.enumerated() {
            let (red, green, blue) = color(value)
            planes[index] = red
            planes[values.count + index] = green
            planes[2 * values.count + index] = blue
        }
        return Tensor(shape: [1, 3, height, width], scalars: planes)
    }
}
