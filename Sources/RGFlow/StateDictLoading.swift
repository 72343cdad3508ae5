// Loading weights by the reference's state-dict names, strictly: every parameter present
// with its shape, no unknown name, buffers equal to what the configuration implies.

import Autograd
import Tensor

/// Why a state dict does not fit a model, naming the offending entries.
public struct StateDictError: Error, CustomStringConvertible, Sendable {
    /// Every problem found, one per line.
    public let problems: [String]
    /// The problems, one per line.
    public var description: String { "state dict does not fit the model:\n  " + problems.joined(separator: "\n  ") }
}

extension ParameterContainer {
    /// Copies `stateDict`'s values into the parameters with the same names.
    ///
    /// Keys ending in `saved_mean`/`saved_var` (the reference's debug statistics) are ignored;
    /// other buffers (masks, `prior.scale`) must equal the model's own, which the configuration
    /// determines. Values are converted to this model's scalar type by the caller.
    ///
    /// - Throws: ``StateDictError`` listing missing and unexpected keys, shape mismatches and
    ///   differing buffers; nothing is changed then.
    public func load(stateDict: [String: Tensor<Scalar>]) throws(StateDictError) {
        var problems: [String] = []
        let parameters = Dictionary(namedParameters.map { ($0.name, $0.parameter) }, uniquingKeysWith: { first, _ in first })
        let buffers = Dictionary(namedBuffers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        func isStatistic(_ name: String) -> Bool { name.hasSuffix(".saved_mean") || name.hasSuffix(".saved_var") }
        for name in parameters.keys.sorted() {
            guard let value = stateDict[name] else { problems.append("missing parameter \(name)"); continue }
            let expected = parameters[name]!.value.shape
            if value.shape != expected { problems.append("\(name): shape \(value.shape), the model has \(expected)") }
        }
        for name in buffers.keys.sorted() where !isStatistic(name) {
            guard let value = stateDict[name] else { problems.append("missing buffer \(name)"); continue }
            let expected = buffers[name]!
            if value.shape != expected.shape {
                problems.append("\(name): shape \(value.shape), the model has \(expected.shape)")
            } else if (value - expected).abs().max().scalar > Scalar(1e-6) * Swift.max(1, expected.abs().max().scalar) {
                problems.append("\(name): differs from the buffer this configuration implies")
            }
        }
        for name in stateDict.keys.sorted() where parameters[name] == nil && buffers[name] == nil && !isStatistic(name) {
            problems.append("unexpected key \(name)")
        }
        guard problems.isEmpty else { throw StateDictError(problems: problems) }
        for (name, parameter) in parameters { parameter.value = stateDict[name]!.contiguous() }
    }

    /// The state dict: parameters and buffers by name.
    public var stateDict: [String: Tensor<Scalar>] {
        var result: [String: Tensor<Scalar>] = [:]
        for (name, value) in namedBuffers { result[name] = value }
        for (name, parameter) in namedParameters { result[name] = parameter.value }
        return result
    }
}

extension ParameterContainer {
    /// Loads weights from a safetensors file written by this package or converted from the
    /// reference (F32 or F64, converted to this model's scalar type); tensors whose names start
    /// with `excludingPrefixes` (e.g. optimiser state in a checkpoint) are skipped.
    ///
    /// - Throws: `SafetensorsError` for an unreadable tensor, ``StateDictError`` for names and
    ///   shapes that do not fit.
    public func load(from file: Safetensors, excludingPrefixes: [String] = []) throws {
        var stateDict: [String: Tensor<Scalar>] = [:]
        for name in file.tensorNames where !excludingPrefixes.contains(where: { name.hasPrefix($0) }) {
            stateDict[name] = try file.tensor(named: name, as: Scalar.self)
        }
        try load(stateDict: stateDict)
    }

    /// Adds every parameter and buffer to `builder` under its state-dict name.
    public func addStateDict(to builder: inout SafetensorsBuilder) throws {
        for (name, value) in namedBuffers { try builder.add(value, named: name) }
        for (name, parameter) in namedParameters { try builder.add(parameter.value, named: name) }
    }
}
