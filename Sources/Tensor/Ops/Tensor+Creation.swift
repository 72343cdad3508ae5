// Creating tensors: constants, ranges, the identity, and seeded random fills.

extension Tensor {
    /// A tensor of `shape` with every element equal to `value`.
    public init(repeating value: Scalar, shape: [Int]) {
        Tensor.validate(shape: shape, operation: "Tensor(repeating:shape:)")
        self.init(storage: TensorStorage(repeating: value, count: shape.reduce(1, *)), shape: shape,
                  strides: Tensor.contiguousStrides(for: shape), offset: 0)
    }

    /// Zeros of `shape`.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// Ones of `shape`.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// `value` everywhere in `shape`.
    public static func full(_ shape: [Int], value: Scalar) -> Tensor { Tensor(repeating: value, shape: shape) }

    /// `[start, start + step, ...]` below `end` (for negative `step`, above it), as a 1-D tensor.
    public static func arange(_ start: Scalar, _ end: Scalar, step: Scalar = 1) -> Tensor {
        precondition(step != 0, "arange: step must not be 0")
        let count = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [count], scalars: (0..<count).map { start + Scalar($0) * step })
    }

    /// The n x n identity matrix.
    public static func identity(_ n: Int) -> Tensor {
        var result = zeros([n, n])
        result.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<n { buffer[i * n + i] = 1 }
        }
        return result
    }

    /// Draws `shape` values of `distribution` from `generator`'s stream; identical for any
    /// thread count.
    static func random(_ shape: [Int], _ distribution: RandomDistribution,
                       using generator: inout TensorRandomGenerator) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let count = result.scalarCount
        // Reserve an even count: normal values come in pairs.
        let start = generator.reserve(count + (count & 1))
        Scalar.kernels.fillRandom(result.storage.base, count, generator.key, start, distribution)
        return result
    }

    /// Uniform values on [low, high).
    public static func uniform(_ shape: [Int], low: Scalar = 0, high: Scalar = 1,
                               using generator: inout TensorRandomGenerator) -> Tensor {
        random(shape, .uniform(low: Double(low), high: Double(high)), using: &generator)
    }

    /// Normal values with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1,
                              using generator: inout TensorRandomGenerator) -> Tensor {
        random(shape, .normal(mean: Double(mean), standardDeviation: Double(standardDeviation)), using: &generator)
    }

    /// Laplace values with density exp(-|x - location| / scale) / (2 scale).
    public static func laplace(_ shape: [Int], location: Scalar = 0, scale: Scalar = 1,
                               using generator: inout TensorRandomGenerator) -> Tensor {
        random(shape, .laplace(location: Double(location), scale: Double(scale)), using: &generator)
    }

    /// The same values in another scalar type (rounded to nearest).
    public func converted<Other: TensorScalar>(to _: Other.Type = Other.self) -> Tensor<Other> {
        if let same = self as? Tensor<Other> { return same }
        let values = scalars
        return Tensor<Other>(shape: shape, scalars: values.map { Other($0) })
    }
}
