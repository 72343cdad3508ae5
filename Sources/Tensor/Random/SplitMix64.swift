// SplitMix64: the one definition of the mixing function every seeded stream in the package
// derives from (tensor fills, the loader's shuffles, MSDS images, the trainer's streams).

/// SplitMix64 (Steele, Lea and Flood, 2014): a Weyl sequence with increment γ passed through
/// a bijective finaliser.
///
/// Beyond ``TensorRandomGenerator`` (the SplitMix64 sequence itself), it derives seeds:
/// ``combine(_:)`` folds a tuple such as (seed, epoch, batch) into one well-mixed word, so
/// nearby tuples give unrelated streams and a stream is addressed by its position in a run.
public enum SplitMix64 {
    /// The Weyl increment γ = 2^64 / φ, rounded to odd.
    public static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The finaliser: a bijective 64-bit mixer (xor-shifts and multiplications by odd
    /// constants).
    @inline(__always)
    public static func finalize(_ input: UInt64) -> UInt64 {
        var z = input
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One SplitMix64 step from `state`: finalize(state + γ).
    @inline(__always)
    public static func mix(_ state: UInt64) -> UInt64 { finalize(state &+ increment) }

    /// One word from `words`: mix(…mix(mix(w₀) ^ w₁)… ^ wₙ).
    public static func combine(_ words: UInt64...) -> UInt64 {
        var state = mix(words.first ?? 0)
        for word in words.dropFirst() { state = mix(state ^ word) }
        return state
    }
}
