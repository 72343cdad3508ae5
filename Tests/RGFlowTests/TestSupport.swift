// Shared test helpers: brute-force Jacobians and determinants, parameter perturbation, and
// small model configurations.

import Autograd
import Foundation
import RGFlow
import Tensor
import Testing

/// log|det A| of a square matrix by LU decomposition with partial pivoting (written here, in
/// Double, as the independent check of the analytic log-determinants).
func logAbsDeterminant(_ matrix: [[Double]]) -> Double {
    var a = matrix
    let n = a.count
    var total = 0.0
    for column in 0..<n {
        var pivot = column
        for row in column..<n where abs(a[row][column]) > abs(a[pivot][column]) { pivot = row }
        if pivot != column { a.swapAt(pivot, column) }
        let diagonal = a[column][column]
        if diagonal == 0 { return -.infinity }
        total += log(abs(diagonal))
        for row in (column + 1)..<n {
            let factor = a[row][column] / diagonal
            if factor == 0 { continue }
            for k in column..<n { a[row][k] -= factor * a[column][k] }
        }
    }
    return total
}

/// The full Jacobian ∂f(x)/∂x of a per-sample map at one input `[1, …]`, row i = ∂f_i/∂x, by one
/// backward pass over a batch of D copies seeded with the identity (rows are independent
/// because samples do not interact).
func jacobian(of function: (Variable<Double>) -> Variable<Double>, at x: Tensor<Double>) -> [[Double]] {
    let dimension = x.scalarCount
    let copies = x.expanded(to: [dimension] + Array(x.shape.dropFirst())).copied()
    let leaf = Variable(copies, requiresGradient: true)
    let output = function(leaf)
    precondition(output.value.scalarCount == dimension * dimension, "jacobian: the map must preserve the dimension")
    output.backward(seed: Tensor<Double>.identity(dimension).reshaped(output.shape))
    let rows = leaf.gradient!.scalars
    return (0..<dimension).map { Array(rows[($0 * dimension)..<(($0 + 1) * dimension)]) }
}

/// Replaces every parameter by seeded random values of moderate size, so couplings are far
/// from the identity the initialisation gives (Scale starts at 0). Weight-norm magnitudes stay
/// positive.
func perturb<Container: ParameterContainer>(_ container: Container, seed: UInt64, spread: Double = 0.4) {
    var generator = TensorRandomGenerator(seed: seed)
    for (name, parameter) in container.namedParameters {
        let noise = Tensor<Double>.normal(parameter.value.shape, standardDeviation: spread, using: &generator)
            .converted(to: Container.Scalar.self)
        if name.hasSuffix("weight_g") {
            parameter.value = (noise + 1).abs()
        } else if name.hasSuffix(".0.scale") || name.hasSuffix(".2.scale") || name.hasSuffix(".4.scale") {
            parameter.value = noise + 1  // Swish β around 1
        } else {
            parameter.value = parameter.value + noise
        }
    }
}

/// A configuration for tests, with small networks.
func testConfiguration(channels: Int, side: Int, kernel: Int, subnet: ComponentSpecification,
                       prior: ComponentSpecification = "laplace", layers: String = "1", hidden: Int? = nil) throws -> FlowConfiguration {
    let positions = kernel * kernel
    let width = hidden ?? (subnet.name == "ar" ? 2 * positions : 8)
    return try FlowConfiguration(channels: channels, sideLength: side, kernelSize: kernel, prior: prior, coupling: subnet,
                                 layers: layers, residualBlocks: "2", hiddenLayers: "1", hiddenWidths: "\(width)")
}

/// Prints the first mismatches of two arrays and returns the largest absolute difference.
func maxDifference(_ a: [Double], _ b: [Double], label: String = "") -> Double {
    precondition(a.count == b.count, "maxDifference: \(a.count) vs \(b.count) values")
    var worst = 0.0
    var shown = 0
    for (index, (x, y)) in zip(a, b).enumerated() {
        let difference = abs(x - y)
        if difference.isNaN || difference > worst { worst = difference.isNaN ? .infinity : difference }
        if difference > 1e-12 * max(1, abs(y)), shown < 3 {
            shown += 1
            print("\(label)[\(index)]: \(x) vs \(y)")
        }
    }
    return worst
}
