// The spectrum of a latent correlation matrix against exact eigenvalues (equicorrelated and
// block matrices), eigen-identities (M v = λ v, orthonormality, the trace) and random-matrix
// theory's edge for independent latents.

import Foundation
@testable import RGFlow
import Tensor
import Testing

@Suite("Latent correlation spectrum")
struct LatentSpectrumTests {
    @Test("an equicorrelated matrix: the top eigenvalue is 1 + (n - 1)ρ and the next ones 1 - ρ")
    func equicorrelated() {
        let n = 50, rho = 0.3
        let matrix = (0..<(n * n)).map { $0 / n == $0 % n ? 1 : rho }
        let (values, vectors) = SymmetricSpectrum.largest(3, of: matrix, size: n, tolerance: 1e-12, maximumIterations: 2000)
        #expect(Swift.abs(values[0] - (1 + Double(n - 1) * rho)) < 1e-9)
        for value in values.dropFirst() { #expect(Swift.abs(value - (1 - rho)) < 1e-9) }
        // The top eigenvector is the uniform one, up to sign.
        for entry in vectors[0] { #expect(Swift.abs(Swift.abs(entry) - 1 / Double(n).squareRoot()) < 1e-6) }
    }

    @Test("every eigenpair of a random positive semi-definite matrix: M v = λ v, orthonormal, sum of λ = trace")
    func randomMatrix() {
        let n = 12
        var generator = TensorRandomGenerator(seed: 21)
        let factors = Tensor<Double>.normal([n, 20], using: &generator).scalars
        var matrix = [Double](repeating: 0, count: n * n)
        for a in 0..<n { for b in 0..<n { for k in 0..<20 { matrix[a * n + b] += factors[a * 20 + k] * factors[b * 20 + k] } } }
        let (values, vectors) = SymmetricSpectrum.largest(n, of: matrix, size: n, tolerance: 1e-11, maximumIterations: 5000)
        let trace = (0..<n).reduce(0.0) { $0 + matrix[$1 * n + $1] }
        #expect(Swift.abs(values.reduce(0, +) - trace) < 1e-8 * trace)
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 >= $1 })
        for (value, vector) in zip(values, vectors) {
            for row in 0..<n {
                let product = (0..<n).reduce(0.0) { $0 + matrix[row * n + $1] * vector[$1] }
                #expect(Swift.abs(product - value * vector[row]) < 1e-8 * values[0])
            }
        }
        for a in 0..<n {
            for b in 0..<n {
                let dot = zip(vectors[a], vectors[b]).reduce(0.0) { $0 + $1.0 * $1.1 }
                #expect(Swift.abs(dot - (a == b ? 1 : 0)) < 1e-8)
            }
        }
    }

    @Test("encoded latents with one factor over channels 0 and 1 and another over channel 2: eigenvalues 2m and m, and their channel shares")
    func twoFactors() throws {
        let levels = LatentLevels(channels: 3, sideLength: 8, kernelSize: 4)
        let positions = levels.positionsByLevel[0].count, images = 8
        // f and g are centred and orthogonal over the images, so their sample correlation is exactly 0.
        let f: [Double] = [1, -1, 1, -1, 1, -1, 1, -1], g: [Double] = [1, 1, -1, -1, 1, 1, -1, -1]
        var parts = levels.split(Tensor<Double>.zeros([images, 3, 8, 8]))
        var scalars = parts[0].scalars
        for image in 0..<images {
            for position in 0..<positions {
                let sign: Double = position % 2 == 0 ? 1 : -1
                scalars[(image * 3 + 0) * positions + position] = sign * f[image]
                scalars[(image * 3 + 1) * positions + position] = -sign * 2 * f[image]
                scalars[(image * 3 + 2) * positions + position] = 3 * g[image]
            }
        }
        parts[0] = Tensor(shape: parts[0].shape, scalars: scalars)
        let correlations = LatentCorrelations(latents: levels.merge(parts), levels: levels, level: 0)
        let factors = correlations.largestFactors(3, channels: 3)
        #expect(Swift.abs(factors[0].eigenvalue - Double(2 * positions)) < 1e-9)
        #expect(Swift.abs(factors[1].eigenvalue - Double(positions)) < 1e-9)
        #expect(Swift.abs(factors[2].eigenvalue) < 1e-9)
        for (share, expected) in zip(factors[0].channelShares, [0.5, 0.5, 0]) { #expect(Swift.abs(share - expected) < 1e-9) }
        for (share, expected) in zip(factors[1].channelShares, [0.0, 0, 1]) { #expect(Swift.abs(share - expected) < 1e-9) }
    }

    @Test("independent Gaussian latents: the largest eigenvalue lies at the Marchenko-Pastur edge (1 + √(n/N))², to 10%")
    func noiseEdge() {
        let levels = LatentLevels(channels: 3, sideLength: 32, kernelSize: 8)
        var generator = TensorRandomGenerator(seed: 22)
        let correlations = LatentCorrelations(latents: Tensor<Double>.normal([2000, 3, 32, 32], using: &generator),
                                              levels: levels, level: levels.topLevel)
        #expect(Swift.abs(correlations.noiseEdge - pow(1 + (192.0 / 2000).squareRoot(), 2)) < 1e-12)
        let top = correlations.largestFactors(1, channels: 3)[0].eigenvalue
        #expect(Swift.abs(top / correlations.noiseEdge - 1) < 0.1, "largest eigenvalue \(top), edge \(correlations.noiseEdge)")
    }
}
