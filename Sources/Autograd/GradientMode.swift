// Whether operations are recorded for differentiation: off inside `withoutGradients`.

/// Recording control: inference (sampling, inverse passes, evaluation) runs inside
/// ``withoutGradients(_:)`` and records nothing, so no activation is kept alive.
public enum GradientMode {
    @TaskLocal static var isDisabled = false

    /// Whether operations on variables that require gradients are being recorded.
    public static var isRecording: Bool { !isDisabled }

    /// Runs `body` with recording off: every variable it creates is a constant.
    public static func withoutGradients<Result>(_ body: () throws -> Result) rethrows -> Result {
        try $isDisabled.withValue(true) { try body() }
    }

    /// Runs `body` with recording on, even inside ``withoutGradients(_:)`` (used to recompute a
    /// checkpointed block during backward).
    public static func withGradients<Result>(_ body: () throws -> Result) rethrows -> Result {
        try $isDisabled.withValue(false) { try body() }
    }
}
