// The largest eigenvalues of a level's latent correlation matrix. The mean |off-diagonal| hides
// a factor shared by many latents (a colour common to every cell of an image gives each pair
// only a small correlation, but one eigenvalue far above the rest); the spectrum shows it, and
// the Marchenko-Pastur edge says how large an eigenvalue independent latents would reach by
// chance with this many images.

import Foundation

/// One eigenpair of a correlation matrix, with how its eigenvector's weight splits over channels.
public struct LatentFactor: Sendable, Codable, Equatable {
    /// The eigenvalue: the variance the factor explains, in units of one latent's variance.
    public let eigenvalue: Double
    /// The unit eigenvector, `[n]`, in the matrix's channel-major order.
    public let vector: [Double]
    /// The squared weight of the eigenvector on each channel's latents, `[channels]`, summing to 1.
    public let channelShares: [Double]
}

extension LatentCorrelations {
    /// The largest eigenvalue independent latents would reach by chance:
    /// `(1 + √(n / N))²` for n latents over N images (Marchenko-Pastur), exact as n, N → ∞.
    public var noiseEdge: Double {
        let ratio = Double(count) / Double(max(sampleCount, 1))
        return (1 + ratio.squareRoot()) * (1 + ratio.squareRoot())
    }

    /// The `k` largest eigenpairs, largest first, for latents of `channels` channels.
    ///
    /// Subspace iteration with Rayleigh-Ritz on a block a few vectors wider than `k`, from a fixed
    /// start, so the answer is reproducible; it stops when every wanted pair's residual
    /// `|M v - λ v|` is below `tolerance` (or after `maximumIterations`).
    public func largestFactors(_ k: Int, channels: Int, tolerance: Double = 1e-9,
                               maximumIterations: Int = 2000) -> [LatentFactor] {
        precondition(channels > 0 && count % channels == 0, "largestFactors: \(count) latents do not split into \(channels) channels")
        let wanted = min(max(k, 0), count)
        guard wanted > 0 else { return [] }
        let (values, vectors) = SymmetricSpectrum.largest(wanted, of: matrix, size: count, tolerance: tolerance,
                                                          maximumIterations: maximumIterations)
        let perChannel = count / channels
        return zip(values, vectors).map { value, vector in
            let shares = (0..<channels).map { channel in
                vector[(channel * perChannel)..<((channel + 1) * perChannel)].reduce(0) { $0 + $1 * $1 }
            }
            return LatentFactor(eigenvalue: value, vector: vector, channelShares: shares)
        }
    }
}

/// Eigenpairs of dense symmetric matrices.
enum SymmetricSpectrum {
    /// The `k` largest eigenpairs of the symmetric positive semi-definite `matrix` `[size · size]`.
    static func largest(_ k: Int, of matrix: [Double], size n: Int, tolerance: Double,
                        maximumIterations: Int) -> (values: [Double], vectors: [[Double]]) {
        let width = min(n, k + 4)
        var basis = (0..<width).map { startVector($0, n) }
        orthonormalize(&basis)
        var values = [Double](repeating: 0, count: width)
        for _ in 0..<maximumIterations {
            let images = basis.map { multiply(matrix, n, $0) }
            // Rayleigh-Ritz: diagonalise the matrix restricted to the basis and rotate onto its eigenvectors.
            var projected = [Double](repeating: 0, count: width * width)
            for a in 0..<width { for b in a..<width {
                let value = dot(basis[a], images[b])
                projected[a * width + b] = value
                projected[b * width + a] = value
            } }
            let (ritzValues, rotation) = jacobi(projected, width)
            let order = (0..<width).sorted { ritzValues[$0] > ritzValues[$1] }
            values = order.map { ritzValues[$0] }
            let rotated = order.map { column in combine(basis, rotation, column, width) }
            let rotatedImages = order.map { column in combine(images, rotation, column, width) }
            let converged = (0..<k).allSatisfy { index in
                var residual = 0.0
                for row in 0..<n {
                    let difference = rotatedImages[index][row] - values[index] * rotated[index][row]
                    residual += difference * difference
                }
                return residual.squareRoot() <= tolerance * max(1, Swift.abs(values[0]))
            }
            if converged { return (Array(values.prefix(k)), Array(rotated.prefix(k))) }
            basis = rotatedImages
            orthonormalize(&basis)
        }
        let images = basis.map { multiply(matrix, n, $0) }
        values = (0..<width).map { dot(basis[$0], images[$0]) }
        return (Array(values.prefix(k)), Array(basis.prefix(k)))
    }

    private static func multiply(_ matrix: [Double], _ n: Int, _ vector: [Double]) -> [Double] {
        (0..<n).map { row in
            var total = 0.0
            for column in 0..<n { total += matrix[row * n + column] * vector[column] }
            return total
        }
    }

    private static func dot(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Column `column` of `basis · rotation`: the basis vectors combined with that rotation column's weights.
    private static func combine(_ basis: [[Double]], _ rotation: [Double], _ column: Int, _ width: Int) -> [Double] {
        var result = [Double](repeating: 0, count: basis[0].count)
        for index in 0..<width {
            let weight = rotation[index * width + column]
            for row in result.indices { result[row] += weight * basis[index][row] }
        }
        return result
    }

    /// A fixed, dense vector: deterministic and never orthogonal to a leading eigenvector in practice.
    private static func startVector(_ index: Int, _ n: Int) -> [Double] {
        (0..<n).map { row in sin(Double(row + 1) * (1.618_033_988_75 + Double(index)) * 2.399_963) }
    }

    /// Modified Gram-Schmidt, twice (once loses orthogonality when the vectors are nearly parallel).
    /// A vector that the matrix sent (almost) into the span of the others, as it does on a rank-deficient
    /// matrix, is replaced by a fresh start vector, so the basis never fills with rounding noise.
    private static func orthonormalize(_ vectors: inout [[Double]]) {
        let n = vectors[0].count
        for index in vectors.indices {
            var attempt = 0
            while true {
                let original = dot(vectors[index], vectors[index]).squareRoot()
                for _ in 0..<2 {
                    for previous in 0..<index {
                        let projection = dot(vectors[previous], vectors[index])
                        for row in 0..<n { vectors[index][row] -= projection * vectors[previous][row] }
                    }
                }
                let norm = dot(vectors[index], vectors[index]).squareRoot()
                if norm > 1e-10 * original && norm > 0 {
                    vectors[index] = vectors[index].map { $0 / norm }
                    break
                }
                attempt += 1
                vectors[index] = startVector(vectors.count + index + attempt * 7919, n)
            }
        }
    }

    /// Cyclic Jacobi rotations: eigenvalues and eigenvectors (as the columns of `[width · width]`)
    /// of a small symmetric matrix.
    static func jacobi(_ input: [Double], _ width: Int) -> (values: [Double], vectors: [Double]) {
        var a = input
        var vectors = [Double](repeating: 0, count: width * width)
        for index in 0..<width { vectors[index * width + index] = 1 }
        for _ in 0..<100 {
            var offDiagonal = 0.0
            for p in 0..<width { for q in (p + 1)..<width { offDiagonal += a[p * width + q] * a[p * width + q] } }
            if offDiagonal < 1e-30 { break }
            for p in 0..<width {
                for q in (p + 1)..<width where a[p * width + q] != 0 {
                    let theta = (a[q * width + q] - a[p * width + p]) / (2 * a[p * width + q])
                    let t = (theta >= 0 ? 1 : -1) / (Swift.abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<width {
                        let akp = a[k * width + p], akq = a[k * width + q]
                        a[k * width + p] = c * akp - s * akq
                        a[k * width + q] = s * akp + c * akq
                    }
                    for k in 0..<width {
                        let apk = a[p * width + k], aqk = a[q * width + k]
                        a[p * width + k] = c * apk - s * aqk
                        a[q * width + k] = s * apk + c * aqk
                    }
                    for k in 0..<width {
                        let vkp = vectors[k * width + p], vkq = vectors[k * width + q]
                        vectors[k * width + p] = c * vkp - s * vkq
                        vectors[k * width + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<width).map { a[$0 * width + $0] }, vectors)
    }
}
