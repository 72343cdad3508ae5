// Which inputs of a block each output can depend on: the structural pattern of a coupling's
// Jacobian, composed layer by layer into exact supports (light cones).

/// A dependency relation over the W = C·K² features of a block (feature c·K² + a·K + b for
/// channel c and block position (a, b)): `depends(output:input:)` is true where the output
/// may change when the input does, false where it provably cannot (a structural zero of the
/// Jacobian).
public struct BlockDependencies: Sendable, Equatable {
    /// W, the features of a block.
    public let width: Int
    /// `[output · W + input]`.
    public private(set) var mask: [Bool]

    /// A relation given by `depends(output, input)`.
    public init(width: Int, _ depends: (_ output: Int, _ input: Int) -> Bool) {
        self.width = width
        var mask = [Bool](repeating: false, count: width * width)
        for output in 0..<width {
            for input in 0..<width where depends(output, input) { mask[output * width + input] = true }
        }
        self.mask = mask
    }

    /// Every output depends on every input (the assumption for a coupling that declares
    /// nothing finer).
    public static func dense(width: Int) -> BlockDependencies { BlockDependencies(width: width) { _, _ in true } }

    /// Each output depends on its own input only.
    public static func identity(width: Int) -> BlockDependencies { BlockDependencies(width: width) { $0 == $1 } }

    /// Whether `output` may depend on `input`.
    public func depends(output: Int, input: Int) -> Bool { mask[output * width + input] }

    /// The relation of applying `first`, then `self`: o depends on i when some m has o ← m
    /// in `self` and m ← i in `first`.
    public func after(_ first: BlockDependencies) -> BlockDependencies {
        precondition(first.width == width, "BlockDependencies: widths \(width) and \(first.width)")
        var result = [Bool](repeating: false, count: width * width)
        for output in 0..<width {
            for middle in 0..<width where mask[output * width + middle] {
                for input in 0..<width where first.mask[middle * width + input] { result[output * width + input] = true }
            }
        }
        var composed = self
        composed.mask = result
        return composed
    }

    /// The relation of `steps` applied in order (the first step first).
    public static func composing(_ steps: [BlockDependencies], width: Int) -> BlockDependencies {
        steps.reduce(identity(width: width)) { $1.after($0) }
    }
}
