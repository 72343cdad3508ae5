// Semantic manipulation: one latent (or one position across its channels) swept from -a to +a
// with every other latent held, decoded into a strip of images.

import Tensor

/// What a traversal varies.
public enum LatentTraversal: Sendable, Equatable, CustomStringConvertible {
    /// The single latent z[c, i, j].
    case latent(channel: Int, row: Int, column: Int)
    /// Every channel of position (i, j) together, all set to the same value.
    case position(row: Int, column: Int)

    /// The position (i, j) varied.
    public var position: (row: Int, column: Int) {
        switch self {
        case .latent(_, let row, let column), .position(let row, let column): (row, column)
        }
    }

    /// `z[c, i, j]` or `z[:, i, j]`.
    public var description: String {
        switch self {
        case .latent(let c, let i, let j): "z[\(c), \(i), \(j)]"
        case .position(let i, let j): "z[:, \(i), \(j)]"
        }
    }
}

extension RGFlowModel {
    /// Latents `[steps, C, L, L]`: `latents` `[1, C, L, L]` with the traversed latent(s) set to
    /// the `steps` values evenly spaced from -`amplitude` to +`amplitude`, every other latent
    /// unchanged.
    ///
    /// - Precondition: the indices lie inside the latents; `steps` ≥ 2.
    public func traversalLatents(_ latents: Tensor<Scalar>, along traversal: LatentTraversal, amplitude: Scalar,
                                 steps: Int) -> Tensor<Scalar> {
        let c = configuration
        precondition(latents.shape == [1, c.channels, c.sideLength, c.sideLength],
                     "traversalLatents: latents of shape \(latents.shape), expected [1, \(c.channels), \(c.sideLength), \(c.sideLength)]")
        precondition(steps >= 2, "traversalLatents: at least 2 steps")
        let (row, column) = traversal.position
        precondition((0..<c.sideLength).contains(row) && (0..<c.sideLength).contains(column),
                     "traversalLatents: position (\(row), \(column)) outside the \(c.sideLength) x \(c.sideLength) latents")
        let channels: [Int]
        switch traversal {
        case .latent(let channel, _, _):
            precondition((0..<c.channels).contains(channel), "traversalLatents: channel \(channel) outside 0..<\(c.channels)")
            channels = [channel]
        case .position: channels = Array(0..<c.channels)
        }
        var result = latents.expanded(to: [steps, c.channels, c.sideLength, c.sideLength]).copied()
        for step in 0..<steps {
            let value = -amplitude + 2 * amplitude * Scalar(step) / Scalar(steps - 1)
            for channel in channels { result[step, channel, row, column] = value }
        }
        return result
    }

    /// The traversal decoded: images `[steps, C, L, L]`, clamped to [0, 1].
    public func traversal(_ latents: Tensor<Scalar>, along traversal: LatentTraversal, amplitude: Scalar,
                          steps: Int) -> Tensor<Scalar> {
        pixels(fromLatents: traversalLatents(latents, along: traversal, amplitude: amplitude, steps: steps))
    }
}
