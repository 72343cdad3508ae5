// The public finite-difference gradient checker: full Jacobians for small inputs, random
// directions for large ones, plus PyTorch's side checks.

import Tensor

/// Checks the gradients of `function` at `inputs` against central differences.
///
/// Each input becomes a leaf variable that requires a gradient; `function` may return a value
/// of any shape. See ``GradientCheckOptions`` for the modes and tolerances.
///
/// ```swift
/// let report = try checkGradients(of: { x in (x[0] * x[1]).exp().sum() }, at: [a, b])
/// #expect(report.passed, "\(report)")
/// ```
///
/// - Throws: ``GradientCheckError`` for Float inputs, expanded inputs, or a constant output.
public func checkGradients<Scalar: TensorScalar>(
    of function: ([Variable<Scalar>]) -> Variable<Scalar>, at inputs: [Tensor<Scalar>],
    options: GradientCheckOptions = GradientCheckOptions()
) throws(GradientCheckError) -> GradientCheckReport {
    guard Scalar.self == Double.self else { throw .requiresDouble("\(Scalar.self)") }
    for (index, input) in inputs.enumerated() where zip(input.shape, input.strides).contains(where: { $0.0 > 1 && $0.1 == 0 }) {
        throw .expandedInput(index: index, shape: input.shape, strides: input.strides)
    }
    return try withoutActuallyEscaping(function) { function throws(GradientCheckError) in
        try CheckSubject(function: function, inputs: inputs).run(options)
    }
}

/// Checks the gradients of `function` with respect to `parameters` against central
/// differences (perturbing each parameter's value in place and restoring it).
///
/// Use `.randomDirection` mode for a whole model's loss. The parameters' accumulated
/// gradients are cleared.
///
/// - Throws: ``GradientCheckError`` for Float parameters or a constant output.
public func checkGradients<Scalar: TensorScalar>(
    of function: () -> Variable<Scalar>, withRespectTo parameters: [Parameter<Scalar>],
    options: GradientCheckOptions = GradientCheckOptions()
) throws(GradientCheckError) -> GradientCheckReport {
    guard Scalar.self == Double.self else { throw .requiresDouble("\(Scalar.self)") }
    let original = parameters.map(\.value)
    defer { for (parameter, value) in zip(parameters, original) { parameter.value = value } }
    return try withoutActuallyEscaping(function) { function throws(GradientCheckError) in
        try CheckSubject(function: function, parameters: parameters).run(options)
    }
}

/// The function under test seen as Double tensors in, Double tensor out, plus its gradients.
private struct CheckSubject {
    var points: [Tensor<Double>]
    let evaluate: ([Tensor<Double>]) -> Tensor<Double>
    /// (values, seed, twice) -> gradients of ⟨seed, f⟩ per input, and a second backward's when
    /// `twice`; nil when the output is constant.
    let gradients: ([Tensor<Double>], Tensor<Double>, Bool) -> ([Tensor<Double>?], [Tensor<Double>?]?)?

    /// The inputs become fresh leaf variables at every evaluation.
    init<Scalar: TensorScalar>(function: @escaping ([Variable<Scalar>]) -> Variable<Scalar>, inputs: [Tensor<Scalar>]) {
        points = inputs.map { $0.converted(to: Double.self).copied() }
        evaluate = { values in
            GradientMode.withoutGradients {
                function(values.map { Variable($0.converted(to: Scalar.self)) }).value.converted(to: Double.self)
            }
        }
        gradients = { values, seed, twice in
            let leaves = values.map { Variable($0.converted(to: Scalar.self), requiresGradient: true) }
            let output = function(leaves)
            guard output.requiresGradient else { return nil }
            let seedValue = seed.converted(to: Scalar.self)
            output.backward(seed: seedValue, retainingGraph: twice)
            let first = leaves.map { $0.gradient?.converted(to: Double.self) }
            guard twice else { return (first, nil) }
            leaves.forEach { $0.zeroGradient() }
            output.backward(seed: seedValue)
            return (first, leaves.map { $0.gradient?.converted(to: Double.self) })
        }
    }

    /// The parameters' values are replaced in place at every evaluation (the caller restores
    /// them).
    init<Scalar: TensorScalar>(function: @escaping () -> Variable<Scalar>, parameters: [Parameter<Scalar>]) {
        points = parameters.map { $0.value.converted(to: Double.self).copied() }
        let assign = { (values: [Tensor<Double>]) in
            for (parameter, value) in zip(parameters, values) { parameter.value = value.converted(to: Scalar.self) }
        }
        evaluate = { values in
            assign(values)
            return GradientMode.withoutGradients { function().value.converted(to: Double.self) }
        }
        gradients = { values, seed, twice in
            assign(values)
            parameters.forEach { $0.zeroGradient() }
            let output = function()
            guard output.requiresGradient else { return nil }
            let seedValue = seed.converted(to: Scalar.self)
            output.backward(seed: seedValue, retainingGraph: twice)
            let first = parameters.map { $0.gradient?.converted(to: Double.self) }
            parameters.forEach { $0.zeroGradient() }
            guard twice else { return (first, nil) }
            output.backward(seed: seedValue)
            let second = parameters.map { $0.gradient?.converted(to: Double.self) }
            parameters.forEach { $0.zeroGradient() }
            return (first, second)
        }
    }

    func run(_ options: GradientCheckOptions) throws(GradientCheckError) -> GradientCheckReport {
        var report = GradientCheckReport()
        let output = evaluate(points)
        switch options.mode {
        case .full:
            try fullJacobian(output, options, &report)
        case .randomDirection(let seed, let directions):
            try randomDirections(output, seed, directions, options, &report)
        }
        if options.sideChecks { try sideChecks(output, options, &report) }
        return report
    }

    private func record(_ mismatch: GradientMismatch, _ options: GradientCheckOptions, _ report: inout GradientCheckReport) {
        report.comparisons += 1
        report.maxAbsoluteError = Swift.max(report.maxAbsoluteError, mismatch.absoluteError)
        if mismatch.numeric != 0 { report.maxRelativeError = Swift.max(report.maxRelativeError, mismatch.relativeError) }
        let allowed = options.absoluteTolerance + options.relativeTolerance * Swift.abs(mismatch.numeric)
        let excess = mismatch.absoluteError - allowed
        if let worst = report.worst {
            let worstExcess = worst.absoluteError - (options.absoluteTolerance + options.relativeTolerance * Swift.abs(worst.numeric))
            if excess > worstExcess { report.worst = mismatch }
        } else {
            report.worst = mismatch
        }
        if !(excess <= 0) && report.failures.count < 10 { report.failures.append(mismatch) }
    }

    /// Numeric Jacobian column by column, analytic Jacobian row by row (one-hot cotangents).
    private func fullJacobian(_ output: Tensor<Double>, _ options: GradientCheckOptions,
                              _ report: inout GradientCheckReport) throws(GradientCheckError) {
        let outputCount = output.scalarCount
        var analyticRows: [[Tensor<Double>?]] = []
        for outputElement in 0..<outputCount {
            var seed = [Double](repeating: 0, count: outputCount)
            seed[outputElement] = 1
            guard let (rows, _) = gradients(points, Tensor(shape: output.shape, scalars: seed), false) else {
                throw .outputIsConstant
            }
            analyticRows.append(rows.map { $0?.contiguous() })
        }
        for (inputIndex, point) in points.enumerated() {
            let analyticScalars = analyticRows.map { $0[inputIndex]?.scalars }
            for element in 0..<point.scalarCount {
                let column = centralDifference(input: inputIndex, element: element, options.epsilon)
                for outputElement in 0..<outputCount {
                    let analytic = analyticScalars[outputElement]?[element] ?? 0
                    record(GradientMismatch(input: inputIndex, inputElement: element, outputElement: outputElement,
                                            analytic: analytic, numeric: column[outputElement]), options, &report)
                }
            }
        }
    }

    private func centralDifference(input: Int, element: Int, _ epsilon: Double) -> [Double] {
        var plus = points, minus = points
        var values = points[input].scalars
        let original = values[element]
        values[element] = original + epsilon
        plus[input] = Tensor(shape: points[input].shape, scalars: values)
        values[element] = original - epsilon
        minus[input] = Tensor(shape: points[input].shape, scalars: values)
        let high = evaluate(plus).scalars, low = evaluate(minus).scalars
        return zip(high, low).map { ($0 - $1) / (2 * epsilon) }
    }

    /// ⟨J u, v⟩ by central differences against ⟨u, Jᵀ v⟩ from backward.
    private func randomDirections(_ output: Tensor<Double>, _ seed: UInt64, _ directions: Int,
                                  _ options: GradientCheckOptions, _ report: inout GradientCheckReport) throws(GradientCheckError) {
        var generator = TensorRandomGenerator(seed: seed)
        for _ in 0..<directions {
            var u = points.map { Tensor<Double>.normal($0.shape, using: &generator) }
            let uNorm = u.map { $0.squared().sum().scalar }.reduce(0, +).squareRoot()
            u = u.map { $0 / uNorm }
            var v = Tensor<Double>.normal(output.shape, using: &generator)
            v = v / v.squared().sum().scalar.squareRoot()
            let plus = zip(points, u).map { $0 + $1 * options.epsilon }
            let minus = zip(points, u).map { $0 - $1 * options.epsilon }
            let numeric = ((evaluate(plus) - evaluate(minus)) * v).sum().scalar / (2 * options.epsilon)
            guard let (grads, _) = gradients(points, v, false) else { throw .outputIsConstant }
            var analytic = 0.0
            for (gradient, direction) in zip(grads, u) {
                if let gradient { analytic += (gradient * direction).sum().scalar }
            }
            record(GradientMismatch(input: nil, inputElement: nil, outputElement: nil,
                                    analytic: analytic, numeric: numeric), options, &report)
        }
    }

    private func sideChecks(_ output: Tensor<Double>, _ options: GradientCheckOptions,
                            _ report: inout GradientCheckReport) throws(GradientCheckError) {
        guard let (zeroGradients, _) = gradients(points, .zeros(output.shape), false) else { throw .outputIsConstant }
        for (index, gradient) in zeroGradients.enumerated() {
            if let gradient, gradient.abs().max().scalar != 0 {
                report.sideCheckFailures.append("a zero cotangent gave a nonzero gradient for input \(index) (backward not multiplied by the upstream gradient?)")
            }
        }
        var generator = TensorRandomGenerator(seed: 12345)
        let seed = Tensor<Double>.normal(output.shape, using: &generator)
        guard let (first, second) = gradients(points, seed, true), let second else { throw .outputIsConstant }
        for index in points.indices {
            if let gradient = first[index], gradient.shape != points[index].shape {
                report.sideCheckFailures.append("gradient of input \(index) has shape \(gradient.shape), the input \(points[index].shape)")
            }
            if first[index]?.scalars != second[index]?.scalars {
                report.sideCheckFailures.append("backward run twice on one graph gave different gradients for input \(index)")
            }
        }
    }
}
