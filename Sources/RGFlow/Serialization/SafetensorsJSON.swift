// A small strict JSON reader and string quoter for safetensors headers. Written here rather
// than using JSONSerialization so that integers stay exact (2 and 2.0 differ), duplicate keys
// and deep nesting are errors rather than silent or fatal, and every error has a byte offset.

/// The JSON reading and writing of safetensors headers (a namespace).
enum SafetensorsJSON {}

extension SafetensorsJSON {
    /// A parsed JSON value and the byte offset (in the header) where it starts.
    struct Value: Sendable {
        /// The value itself.
        enum Content: Sendable {
            case object([Member])
            case array([Value])
            case string(String)
            /// `text` is the literal as written; `integer` is its value when the literal has no
            /// fraction or exponent and fits in `Int`.
            case number(text: String, integer: Int?)
            case bool(Bool)
            case null
        }

        let content: Content
        let offset: Int

        /// How messages describe the value: its JSON type, with the literal for scalars.
        var summary: String {
            switch content {
            case .object: "an object"
            case .array(let elements): "an array of \(elements.count)"
            case .string(let text): "the string \"\(text.prefix(40))\""
            case .number(let text, _): "the number \(text.prefix(40))"
            case .bool(let value): "\(value)"
            case .null: "null"
            }
        }
    }

    /// One `"key": value` pair of an object, in the order written.
    struct Member: Sendable {
        let key: String
        let keyOffset: Int
        let value: Value
    }

    /// A syntax error, or a key repeated within one object, at `offset` in the parsed bytes.
    struct SyntaxError: Error, Sendable {
        let offset: Int
        let message: String
        /// Set when the error is a repeated key rather than bad syntax.
        let duplicateKey: String?
    }

    /// Parses one JSON document (RFC 8259) from UTF-8 bytes that are already known to be valid
    /// UTF-8, so only ASCII needs inspecting outside strings.
    struct Parser {
        /// Nesting deeper than this is rejected instead of recursing until the stack overflows;
        /// a safetensors header needs 3 levels.
        static let maximumDepth = 64

        private let bytes: [UInt8]
        private var position = 0
        private var depth = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        /// Parses the whole input as one value, allowing whitespace (such as the spaces that
        /// pad safetensors headers) around it.
        static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> Value {
            var parser = Parser(bytes: bytes)
            parser.skipWhitespace()
            let value = try parser.parseValue()
            parser.skipWhitespace()
            if parser.position < bytes.count {
                throw parser.error("expected end of JSON, found \(parser.describeCurrent())")
            }
            return value
        }

        // MARK: Values

        private mutating func parseValue() throws(SyntaxError) -> Value {
            guard position < bytes.count else { throw error("expected a value, found end of header") }
            let start = position
            switch bytes[position] {
            case UInt8(ascii: "{"): return Value(content: .object(try parseObject()), offset: start)
            case UInt8(ascii: "["): return Value(content: .array(try parseArray()), offset: start)
            case UInt8(ascii: "\""): return Value(content: .string(try parseString()), offset: start)
            case UInt8(ascii: "t"): try expectLiteral("true"); return Value(content: .bool(true), offset: start)
            case UInt8(ascii: "f"): try expectLiteral("false"); return Value(content: .bool(false), offset: start)
            case UInt8(ascii: "n"): try expectLiteral("null"); return Value(content: .null, offset: start)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return Value(content: try parseNumber(), offset: start)
            default: throw error("expected a value, found \(describeCurrent())")
            }
        }

        private mutating func parseObject() throws(SyntaxError) -> [Member] {
            try enterContainer()
            position += 1  // "{"
            var members: [Member] = []
            var seen: Set<String> = []
            skipWhitespace()
            if consume(UInt8(ascii: "}")) { depth -= 1; return members }
            while true {
                skipWhitespace()
                let keyOffset = position
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw error("expected a string key, found \(describeCurrent())")
                }
                let key = try parseString()
                if !seen.insert(key).inserted {
                    throw SyntaxError(offset: keyOffset, message: "key \"\(key)\" appears twice in one object",
                                          duplicateKey: key)
                }
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { throw error("expected ':' after key, found \(describeCurrent())") }
                skipWhitespace()
                members.append(Member(key: key, keyOffset: keyOffset, value: try parseValue()))
                skipWhitespace()
                if consume(UInt8(ascii: ",")) { continue }
                if consume(UInt8(ascii: "}")) { depth -= 1; return members }
                throw error("expected ',' or '}' in object, found \(describeCurrent())")
            }
        }

        private mutating func parseArray() throws(SyntaxError) -> [Value] {
            try enterContainer()
            position += 1  // "["
            var elements: [Value] = []
            skipWhitespace()
            if consume(UInt8(ascii: "]")) { depth -= 1; return elements }
            while true {
                skipWhitespace()
                elements.append(try parseValue())
                skipWhitespace()
                if consume(UInt8(ascii: ",")) { continue }
                if consume(UInt8(ascii: "]")) { depth -= 1; return elements }
                throw error("expected ',' or ']' in array, found \(describeCurrent())")
            }
        }

        private mutating func enterContainer() throws(SyntaxError) {
            depth += 1
            if depth > Parser.maximumDepth {
                throw error("nesting deeper than \(Parser.maximumDepth) levels")
            }
        }

        // MARK: Strings

        private mutating func parseString() throws(SyntaxError) -> String {
            position += 1  // opening quote
            var decoded: [UInt8] = []
            var runStart = position
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    decoded.append(contentsOf: bytes[runStart..<position])
                    position += 1
                    return String(decoding: decoded, as: UTF8.self)
                }
                if byte < 0x20 {
                    throw error("control character 0x\(String(byte, radix: 16)) inside a string must be escaped")
                }
                if byte == UInt8(ascii: "\\") {
                    decoded.append(contentsOf: bytes[runStart..<position])
                    try parseEscape(into: &decoded)
                    runStart = position
                } else {
                    position += 1
                }
            }
            throw error("unterminated string")
        }

        private mutating func parseEscape(into decoded: inout [UInt8]) throws(SyntaxError) {
            position += 1  // backslash
            guard position < bytes.count else { throw error("unterminated escape sequence") }
            let letter = bytes[position]
            position += 1
            let simple: UInt8? = switch letter {
            case UInt8(ascii: "\""): UInt8(ascii: "\"")
            case UInt8(ascii: "\\"): UInt8(ascii: "\\")
            case UInt8(ascii: "/"): UInt8(ascii: "/")
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
            if let simple { decoded.append(simple); return }
            guard letter == UInt8(ascii: "u") else {
                position -= 2
                throw error("invalid escape \\\(Character(Unicode.Scalar(letter)))")
            }
            var code = try parseHex4()
            if (0xD800...0xDBFF).contains(code) {
                // A high surrogate must be followed by an escaped low surrogate (UTF-16 pair).
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired UTF-16 surrogate in \\u escape")
                }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired UTF-16 surrogate in \\u escape") }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(code) {
                throw error("unpaired UTF-16 surrogate in \\u escape")
            }
            decoded.append(contentsOf: String(Character(Unicode.Scalar(code)!)).utf8)
        }

        private mutating func parseHex4() throws(SyntaxError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("expected 4 hex digits after \\u") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = hexValue(bytes[position]) else {
                    throw error("expected 4 hex digits after \\u, found \(describeCurrent())")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }

        private func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        // MARK: Numbers and literals

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        private mutating func parseNumber() throws(SyntaxError) -> Value.Content {
            let start = position
            var isInteger = true
            _ = consume(UInt8(ascii: "-"))
            if consume(UInt8(ascii: "0")) {
                if position < bytes.count, isDigit(bytes[position]) { throw error("leading zero in number") }
            } else if !consumeDigits() {
                throw error("expected a digit, found \(describeCurrent())")
            }
            if consume(UInt8(ascii: ".")) {
                isInteger = false
                guard consumeDigits() else { throw error("expected a digit after '.', found \(describeCurrent())") }
            }
            if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
                isInteger = false
                _ = consume(UInt8(ascii: "+")) || consume(UInt8(ascii: "-"))
                guard consumeDigits() else { throw error("expected a digit in exponent, found \(describeCurrent())") }
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            return .number(text: text, integer: isInteger ? Int(text) : nil)
        }

        /// Consumes a run of ASCII digits; returns whether there was at least one.
        private mutating func consumeDigits() -> Bool {
            let start = position
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            return position > start
        }

        private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        private mutating func expectLiteral(_ literal: String) throws(SyntaxError) {
            for expected in literal.utf8 {
                guard position < bytes.count, bytes[position] == expected else {
                    throw error("expected \(literal), found \(describeCurrent())")
                }
                position += 1
            }
        }

        // MARK: Helpers

        private mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        private mutating func consume(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        private func describeCurrent() -> String {
            guard position < bytes.count else { return "end of header" }
            let byte = bytes[position]
            return (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
        }

        private func error(_ message: String) -> SyntaxError {
            SyntaxError(offset: position, message: message, duplicateKey: nil)
        }
    }

    /// The offset of the first byte that does not continue valid UTF-8, or nil when all is valid.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped,
    /// everything else (including non-ASCII) written as UTF-8, as Python's and Rust's encoders
    /// accept it.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
