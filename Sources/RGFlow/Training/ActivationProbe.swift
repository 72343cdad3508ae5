// Watching a forward pass for the first non-finite value: layers report their input range and
// whether their output is finite, only while a probe is installed (the NaN diagnosis).

import Autograd
import Tensor

/// A recorder that layers report to during one diagnostic forward pass.
///
/// Outside ``observing(_:)`` nothing is recorded and a layer's only cost is one task-local
/// read. Inside, each instrumented step (the logit transform, every RG layer, every coupling
/// half-step, every subnet) appends what it saw in evaluation order, so the first entry with a
/// non-finite output is the innermost step where the values broke.
public final class ActivationProbe: @unchecked Sendable {
    // @unchecked: filled by the one thread that runs the diagnostic pass.

    /// One step's report.
    public struct Observation: Sendable {
        /// What ran, e.g. "s network" or "RG layer 3 (level 1)".
        public var label: String
        /// The range of its input values (NaN when the input had no finite value).
        public var inputRange: (minimum: Double, maximum: Double)
        /// Whether every output value was finite.
        public var outputIsFinite: Bool
        /// Its first parameter and that parameter's name relative to the step, to recover the
        /// step's state-dict prefix from the model's names; nil for a step without parameters.
        var firstParameter: (identifier: ObjectIdentifier, localName: String)?
    }

    @TaskLocal static var current: ActivationProbe?

    /// What the steps reported, in evaluation order.
    public private(set) var observations: [Observation] = []

    /// Runs `body` with this probe installed.
    public func observing<Result>(_ body: () throws -> Result) rethrows -> Result {
        try Self.$current.withValue(self) { try body() }
    }

    /// Reports a step when a probe is installed (the hook instrumented layers call).
    static func report<Container: ParameterContainer>(_ label: String, _ container: Container?,
                                                       input: Tensor<Container.Scalar>, output: Tensor<Container.Scalar>) {
        guard let probe = current else { return }
        let inputs = input.scalars.map(Double.init).filter(\.isFinite)
        let first = container?.namedParameters.first.map { (ObjectIdentifier($0.parameter), $0.name) }
        probe.observations.append(Observation(label: label, inputRange: (inputs.min() ?? .nan, inputs.max() ?? .nan),
                                              outputIsFinite: output.scalars.allSatisfy(\.isFinite), firstParameter: first))
    }

    /// Reports a step without parameters of its own.
    static func report<Scalar: TensorScalar>(_ label: String, input: Tensor<Scalar>, output: Tensor<Scalar>) {
        guard current != nil else { return }
        report(label, NoParameters<Scalar>?.none, input: input, output: output)
    }

    /// The state-dict prefix of an observation's step within `model` (e.g. `layers.3.s_layers.0`).
    func prefix<Scalar: TensorScalar>(of observation: Observation, in model: RGFlowModel<Scalar>) -> String? {
        guard let (identifier, local) = observation.firstParameter,
              let full = model.namedParameters.first(where: { ObjectIdentifier($0.parameter) == identifier })?.name,
              full.hasSuffix(local) else { return nil }
        return String(full.dropLast(local.count + (full.count > local.count ? 1 : 0)))
    }
}

/// A report of a step without its own parameters, in the probe's element type.
struct NoParameters<Scalar: TensorScalar>: ParameterContainer {
    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [] }
}
