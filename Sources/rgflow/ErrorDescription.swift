// One line for any error that reaches the tool's top level.

import Datasets
import Foundation
import RGFlow

/// The error as one line: the package's errors carry their own text (a state dict's first
/// problem and how many more), Foundation's file errors become "path: reason", a decoding
/// error says which key, and anything else its first line.
func describe(_ error: any Error) -> String {
    if let error = error as? StateDictError {
        let first = error.problems.first ?? "does not fit the model"
        return "state dict does not fit the model: \(first)" + (error.problems.count > 1 ? " (and \(error.problems.count - 1) more)" : "")
    }
    if let plain = plainFileErrorDescription(error) { return plain }
    if let error = error as? DecodingError { return "invalid data: \(plainDecodingDescription(error))" }
    let text = "\(error)"
    return String(text.split(separator: "\n", omittingEmptySubsequences: true).first ?? Substring(text))
}
