// Input domains, the primitive table's entry type, and the assertion helper.

import Autograd
import Tensor
import Testing

/// Where a primitive's inputs are drawn from, so finite differences stay away from kinks.
enum Domain: Sendable {
    /// Uniform on [-2, 2].
    case any
    /// Uniform on [0.5, 2] (log, sqrt, non-integer powers).
    case positive
    /// |x| uniform on [0.5, 2] with a random sign (abs, division).
    case awayFromZero
    /// Distinct values at least 0.05 apart (max/min reductions).
    case awayFromTies
    /// Probabilities in [0.05, 0.95].
    case unitInterval

    func sample(_ shape: [Int], _ generator: inout TensorRandomGenerator) -> Tensor<Double> {
        let count = shape.reduce(1, *)
        switch self {
        case .any: return .uniform(shape, low: -2, high: 2, using: &generator)
        case .positive: return .uniform(shape, low: 0.5, high: 2, using: &generator)
        case .unitInterval: return .uniform(shape, low: 0.05, high: 0.95, using: &generator)
        case .awayFromZero:
            let magnitude = Tensor<Double>.uniform(shape, low: 0.5, high: 2, using: &generator)
            let sign = Tensor<Double>.uniform(shape, using: &generator) .> 0.5
            return magnitude * (sign * 2 - 1)
        case .awayFromTies:
            var values = (0..<count).map { Double($0) * 0.05 - Double(count) * 0.025 }
            values.shuffle(using: &generator)
            return Tensor(shape: shape, scalars: values)
        }
    }
}

/// One row of the primitive table: a primitive, a function exercising it, and input specs.
struct GradSpec<S: TensorScalar> {
    var primitive: Primitive
    var name: String
    var inputs: [(shape: [Int], domain: Domain)]
    var function: ([Variable<S>]) -> Variable<S>
    var options = GradientCheckOptions()

    init(_ primitive: Primitive, _ name: String, _ inputs: [([Int], Domain)],
         _ function: @escaping ([Variable<S>]) -> Variable<S>) {
        self.primitive = primitive
        self.name = name
        self.inputs = inputs.map { (shape: $0.0, domain: $0.1) }
        self.function = function
    }

    /// Inputs drawn in Double (so both scalar types see the same values), then converted.
    func sampleInputs(seed: UInt64) -> [Tensor<S>] {
        var generator = TensorRandomGenerator(seed: seed)
        return inputs.map { $0.domain.sample($0.shape, &generator).converted(to: S.self) }
    }
}

/// Fails the current test with the report's summary (first mismatches) unless it passed.
func expectPassed(_ report: GradientCheckReport, _ context: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(report.passed, "\(context)\n\(report)", sourceLocation: sourceLocation)
    #expect(report.comparisons > 0, "\(context): nothing was compared", sourceLocation: sourceLocation)
}
