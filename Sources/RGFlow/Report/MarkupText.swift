// Text and numbers for the SVG and XHTML reports: escaping so any title or path stays
// well-formed XML, and the short number formats the figures and tables show.

import Foundation

/// Escaping and number formatting shared by ``LossCurveSVG`` and ``RunReport``.
enum MarkupText {
    /// `text` safe as XML character data and as a quoted attribute value.
    ///
    /// `&`, `<`, `>`, `"` and `'` become references (`&#39;` rather than `&apos;`, which
    /// HTML 4 lacks), and characters XML 1.0 forbids (controls other than tab, newline and
    /// carriage return, lone surrogates cannot occur in a Swift string) become U+FFFD, so a
    /// parser never rejects the document whatever a run's title or paths contain.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                let allowed = value >= 0x20 && value != 0xFFFE && value != 0xFFFF && !(0x7F...0x9F).contains(value)
                result.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return result
    }

    /// A relative file path as an escaped `href`/`src` value: each path component
    /// percent-encoded (so `#`, `?`, `%` and spaces name the file rather than act as URL
    /// syntax), `/` kept as the separator.
    static func escapedPath(_ path: String) -> String {
        let encoded = path.split(separator: "/", omittingEmptySubsequences: false)
            .map { String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? String($0) }
            .joined(separator: "/")
        return escaped(encoded)
    }

    /// `value` with `digits` decimals, or `nan`, `inf`, `-inf`.
    static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        return String(format: "%.\(digits)f", value)
    }

    /// A coordinate for SVG attributes: two decimals (a hundredth of a pixel).
    static func coordinate(_ value: Double) -> String { String(format: "%.2f", value) }

    /// A temperature as people write it: `1`, `0.5`, `0.75`.
    static func temperature(_ value: Double) -> String {
        guard value.isFinite else { return fixed(value, digits: 0) }
        return String(format: "%g", value)
    }
}
