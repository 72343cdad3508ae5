// Standard output written line by line: the tool's own `print`, so a log read through a pipe
// or a file gets every line as it is printed, and a killed run loses none.

import Foundation

/// Writes straight to file descriptor 1 (no stdio buffer), shadowing the standard library's
/// `print` inside this tool; a closed pipe is ignored rather than fatal.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { "\($0)" }.joined(separator: separator) + terminator
    try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
}
