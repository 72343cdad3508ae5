// Differentiable gather, scatter and concatenation.

import Tensor

extension Variable {
    /// Gathers the table's positions from the last `axisCount` axes (see
    /// `Tensor.gathered(trailingAxes:_:)`); repeated positions accumulate gradient.
    public func gathered(trailingAxes axisCount: Int, _ table: IndexTable) -> Variable {
        .record(.gather, .index(trailingAxes: axisCount, table: table), [self], value.gathered(trailingAxes: axisCount, table))
    }

    /// This value with `values` written at the table's positions of the trailing block; the
    /// overwritten elements of `self` get no gradient.
    public func scattering(_ values: Variable, trailingAxes axisCount: Int, _ table: IndexTable) -> Variable {
        precondition(!table.hasRepeats, "scattering: the index table repeats a position, so the result depends on write order")
        return .record(.scatter, .index(trailingAxes: axisCount, table: table), [self, values],
                       value.scattering(values.value, trailingAxes: axisCount, table))
    }

    /// The variables joined along `axis`.
    public static func concatenate(_ variables: [Variable], axis: Int) -> Variable {
        precondition(!variables.isEmpty, "concatenate: no variables")
        let axis = axis < 0 ? axis + variables[0].value.rank : axis
        return .record(.concatenate, .axis(axis), variables, Tensor.concatenate(variables.map(\.value), axis: axis))
    }

    /// The variables, all of one shape, stacked along a new axis.
    public static func stack(_ variables: [Variable], axis: Int = 0) -> Variable {
        concatenate(variables.map { $0.unsqueezed(axis: axis) }, axis: axis)
    }
}
