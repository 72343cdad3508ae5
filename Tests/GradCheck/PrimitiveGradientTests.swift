// Every primitive's derivative rule against central differences (full Jacobian, Double),
// the coverage of the table, and the Float kernels' gradients against Double differences.

import Autograd
import Tensor
import Testing

/// Entry names, the arguments of the parameterised tests.
let primitiveSpecNames = primitiveTable(Double.self).map(\.name)

func spec<S: TensorScalar>(_ name: String, _: S.Type) -> GradSpec<S> {
    primitiveTable(S.self).first { $0.name == name }!
}

@Suite("Primitive derivative rules")
struct PrimitiveGradientTests {
    @Test("matches central differences", arguments: primitiveSpecNames)
    func ruleMatchesFiniteDifferences(_ name: String) throws {
        let entry = spec(name, Double.self)
        let report = try checkGradients(of: entry.function, at: entry.sampleInputs(seed: 7), options: entry.options)
        expectPassed(report, name)
    }

    @Test("every primitive has a table entry")
    func coverage() {
        let covered = Set(primitiveTable(Double.self).map(\.primitive))
        let missing = Primitive.allCases.filter { !covered.contains($0) }
        #expect(missing.isEmpty, "primitives without a gradient-check entry: \(missing)")
    }

    /// The Float kernels have their own code (SIMD16 polynomials, Float GEMM tiles): their
    /// gradients must agree with the Double gradients, which the test above holds to finite
    /// differences. (Finite differences themselves are never taken in Float.)
    @Test("Float gradients agree with the Double gradients", arguments: primitiveSpecNames)
    func floatPathAgreesWithDouble(_ name: String) throws {
        let double = spec(name, Double.self), float = spec(name, Float.self)
        let doubleLeaves = double.sampleInputs(seed: 11).map { Variable($0, requiresGradient: true) }
        let floatLeaves = float.sampleInputs(seed: 11).map { Variable($0, requiresGradient: true) }
        let doubleOutput = double.function(doubleLeaves)
        var generator = TensorRandomGenerator(seed: 3)
        let seed = Tensor<Double>.normal(doubleOutput.shape, using: &generator)
        doubleOutput.backward(seed: seed)
        float.function(floatLeaves).backward(seed: seed.converted(to: Float.self))
        for (index, (expectedLeaf, actualLeaf)) in zip(doubleLeaves, floatLeaves).enumerated() {
            let expected = try #require(expectedLeaf.gradient)
            let actual = try #require(actualLeaf.gradient).converted(to: Double.self)
            // A few roundings per element at Float precision (6e-8 each): 1e-5 relative to the
            // gradient's scale leaves a margin of two orders of magnitude.
            let scale = Swift.max(expected.abs().max().scalar, 1)
            let error = (actual - expected).abs().max().scalar
            #expect(error <= 1e-5 * scale, "\(name) input \(index): Float gradient off by \(error) (scale \(scale))")
        }
    }
}
