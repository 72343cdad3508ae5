// The settings of a registered prior or coupling: a name plus Codable options, stored in a
// configuration and a checkpoint, given on the command line as `name` and `key=value,...`.

import Foundation

/// One option value of a component: a number, a string or a Boolean (what a flag can say and
/// JSON can store).
public enum OptionValue: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A real number (integers are stored exactly as reals).
    case number(Double)
    /// A word.
    case string(String)
    /// A switch.
    case bool(Bool)

    /// Reads `true`/`false` as a Boolean, anything `Double` parses as a number, the rest as text.
    public init(parsing text: String) {
        if text == "true" || text == "false" {
            self = .bool(text == "true")
        } else if let number = Double(text), number.isFinite {
            self = .number(number)
        } else {
            self = .string(text)
        }
    }

    /// The value as a flag or a file name writes it: integers without a fraction (`3`, not `3.0`).
    public var description: String {
        switch self {
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return "\(value)"
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        }
    }

    /// Decodes a JSON number, string or Boolean.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    /// Encodes as a JSON number, string or Boolean.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .string(let text): try container.encode(text)
        case .bool(let flag): try container.encode(flag)
        }
    }

    var jsonObject: Any {
        switch self {
        case .number(let value): value
        case .string(let text): text
        case .bool(let flag): flag
        }
    }
}

/// A registered component (prior or coupling) by name, with its options.
///
/// Options are stored complete (every option of the component, defaults filled in) once a
/// configuration has resolved them against the registry, so two specifications of the same
/// component compare equal exactly when they build the same thing.
public struct ComponentSpecification: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The registered name, e.g. `studentt`.
    public var name: String
    /// The options by key, e.g. `["nu": .number(3)]`.
    public var options: [String: OptionValue]

    /// A specification of `name` with `options` (missing options take their defaults when the
    /// configuration resolves it).
    public init(_ name: String, options: [String: OptionValue] = [:]) {
        self.name = name
        self.options = options
    }

    /// A component by name with no options given: `prior: "laplace"`.
    public init(stringLiteral name: String) {
        self.init(name)
    }

    /// Parses the command-line form of options, `key=value,key=value` (empty for none).
    ///
    /// - Throws: ``ConfigurationError`` naming `flag` when an entry is not `key=value` or a key
    ///   repeats.
    public static func parseOptions(_ text: String, flag: String) throws -> [String: OptionValue] {
        var options: [String: OptionValue] = [:]
        for entry in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            guard parts.count == 2, !key.isEmpty else {
                throw ConfigurationError("\(flag) \"\(text)\": \"\(entry)\" is not key=value")
            }
            guard options[key] == nil else { throw ConfigurationError("\(flag) \"\(text)\": \(key) is given twice") }
            options[key] = OptionValue(parsing: parts[1].trimmingCharacters(in: .whitespaces))
        }
        return options
    }

    /// `name` alone, or `name(key=value, ...)` with the options sorted by key.
    public var description: String {
        options.isEmpty ? name : "\(name)(" + options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: ", ") + ")"
    }

    /// Decodes `{"name": ..., "options": {...}}`, or a bare name as older checkpoints store it.
    public init(from decoder: any Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            self.init(name)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try container.decode(String.self, forKey: .name),
                  options: try container.decodeIfPresent([String: OptionValue].self, forKey: .options) ?? [:])
    }

    private enum CodingKeys: String, CodingKey { case name, options }

    /// Encodes `{"name": ..., "options": {...}}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(options, forKey: .options)
    }
}

/// The typed options of a registered component; the value with every option at its default
/// is `init()`.
///
/// Conforming types are plain Codable structs of numbers, strings and Booleans (no optionals),
/// so the registry can list their keys and defaults, reject unknown keys and store them in a
/// configuration. Override ``validate()`` to reject values the component cannot use.
public protocol ComponentOptions: Codable, Equatable, Sendable {
    /// The options at their defaults.
    init()
    /// One line of help per option key, shown by `rgflow train --help`.
    static var optionHelp: [String: String] { get }
    /// Throws ``ConfigurationError`` for values the component cannot be built with.
    func validate() throws
}

extension ComponentOptions {
    /// No help text by default.
    public static var optionHelp: [String: String] { [:] }
    /// Every value is usable by default.
    public func validate() throws {}

    /// The options as stored in a ``ComponentSpecification``: every key with its value.
    public var storedOptions: [String: OptionValue] {
        guard let data = try? JSONEncoder().encode(self),
              let decoded = try? JSONDecoder().decode([String: OptionValue].self, from: data) else {
            preconditionFailure("\(Self.self): options must encode as a flat object of numbers, strings and Booleans")
        }
        return decoded
    }

    /// The defaults as stored options.
    public static var defaultOptions: [String: OptionValue] { Self().storedOptions }

    /// Reads stored options (missing keys take their defaults), rejecting unknown keys and
    /// values of the wrong type, then ``validate()``s them.
    ///
    /// - Parameter component: names the component in messages, e.g. `prior studentt`.
    public static func resolve(_ options: [String: OptionValue], component: String) throws -> Self {
        let defaults = defaultOptions
        let known = defaults.keys.sorted()
        for key in options.keys.sorted() where defaults[key] == nil {
            let choices = known.isEmpty ? "it has no options" : "its options are \(known.joined(separator: ", "))"
            throw ConfigurationError("\(component) has no option \(key): \(choices)")
        }
        let merged = defaults.merging(options) { _, given in given }
        for key in known {
            let given = merged[key]!, fallback = defaults[key]!
            switch (given, fallback) {
            case (.number, .number), (.string, .string), (.bool, .bool): continue
            default: throw ConfigurationError("\(component) option \(key)=\(given): expected a value like \(fallback)")
            }
        }
        let value: Self
        do {
            let data = try JSONSerialization.data(withJSONObject: merged.mapValues(\.jsonObject))
            value = try JSONDecoder().decode(Self.self, from: data)
        } catch {
            throw ConfigurationError("\(component) options \(ComponentSpecification("", options: options)) cannot be read")
        }
        try value.validate()
        return value
    }
}
