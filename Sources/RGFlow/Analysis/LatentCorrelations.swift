// Correlations between the latents of one level over encoded images (the reference's
// test_latent_corr.py): how disentangled a level's latents are.

import Foundation
import Tensor

/// The Pearson correlation matrix of one level's latents over a set of encoded images.
public struct LatentCorrelations: Sendable, Codable {
    /// The level.
    public let level: Int
    /// Latents at the level, n: every channel of every position, channel-major
    /// (channel c, position p → index c · positions + p).
    public let count: Int
    /// `[n · n]`, row-major; 1 on the diagonal.
    public let matrix: [Double]
    /// Images the statistics are over.
    public let sampleCount: Int

    /// Correlations of `level`'s latents over `latents` `[N, C, L, L]` (encoded images).
    public init<Scalar: TensorScalar>(latents: Tensor<Scalar>, levels: LatentLevels, level: Int) {
        precondition((0...levels.topLevel).contains(level), "LatentCorrelations: level \(level) outside 0...\(levels.topLevel)")
        let part = levels.split(latents)[level].converted(to: Double.self)  // [N, C, n_l]
        let samples = part.shape[0], n = part.shape[1] * part.shape[2]
        let values = part.scalars
        var mean = [Double](repeating: 0, count: n)
        for sample in 0..<samples { for k in 0..<n { mean[k] += values[sample * n + k] } }
        mean = mean.map { $0 / Double(max(samples, 1)) }
        var covariance = [Double](repeating: 0, count: n * n)
        for sample in 0..<samples {
            let row = sample * n
            for a in 0..<n {
                let da = values[row + a] - mean[a]
                for b in a..<n { covariance[a * n + b] += da * (values[row + b] - mean[b]) }
            }
        }
        var matrix = [Double](repeating: 0, count: n * n)
        for a in 0..<n {
            for b in a..<n {
                let denominator = (covariance[a * n + a] * covariance[b * n + b]).squareRoot()
                let value = a == b ? 1 : (denominator > 0 ? covariance[a * n + b] / denominator : 0)
                matrix[a * n + b] = value
                matrix[b * n + a] = value
            }
        }
        self.level = level
        count = n
        self.matrix = matrix
        sampleCount = samples
    }

    /// The mean |correlation| over the n(n - 1) off-diagonal entries: 0 for independent latents.
    public var meanAbsoluteOffDiagonal: Double {
        guard count > 1 else { return 0 }
        var total = 0.0
        for a in 0..<count { for b in 0..<count where a != b { total += Swift.abs(matrix[a * count + b]) } }
        return total / Double(count * (count - 1))
    }
}
