// The element types a tensor can hold: Float and Double.

/// A floating-point element type of ``Tensor``: `Float` or `Double`.
///
/// Generic code is written against this protocol; the hot loops behind it are compiled once
/// per concrete type, with the widest SIMD vector the build allows (`SIMD16<Float>`,
/// `SIMD8<Double>`), so calling a generic tensor operation costs one dynamic dispatch per
/// call, never per element.
///
/// The package supplies the only two conformances; the requirement ``kernels`` is how the
/// generic layer reaches them.
public protocol TensorScalar: BinaryFloatingPoint, Sendable, CustomStringConvertible
where RawSignificand: FixedWidthInteger {
    /// The type-specialised kernel table (implementation detail of the Tensor module).
    static var kernels: ScalarKernels<Self> { get }

    /// The name used in file formats and messages: `"float32"` or `"float64"`.
    static var dtypeName: String { get }
}
