// A small flag parser for the tool: `--name value`, `--name=value` and boolean switches, with

import Foundation
// one clear line for every mistake.

/// A mistake on the command line; the tool prints it on one line and exits with status 2.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One flag a subcommand accepts.
struct FlagSpecification {
    /// The name without dashes (`nlayers`), and any aliases (`o` for `-o`).
    var names: [String]
    /// Whether the flag takes a value (else it is a switch).
    var takesValue: Bool
    /// The default shown in help, or nil.
    var defaultValue: String?
    /// One line of help.
    var help: String

    init(_ names: [String], value: Bool = true, default defaultValue: String? = nil, _ help: String) {
        self.names = names
        self.takesValue = value
        self.defaultValue = defaultValue
        self.help = help
    }
}

/// Parsed flags of one subcommand, with typed accessors that reject bad values by name.
struct ParsedFlags {
    private(set) var values: [String: String] = [:]
    private(set) var switches: Set<String> = []
    let specifications: [FlagSpecification]

    /// Parses `arguments` against `specifications`; unknown flags and missing values throw.
    init(_ arguments: [String], specifications: [FlagSpecification]) throws {
        self.specifications = specifications
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("-"), argument != "-" else {
                throw UsageError("unexpected argument '\(argument)' (flags start with --)")
            }
            var name = String(argument.drop(while: { $0 == "-" }))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let specification = specifications.first(where: { $0.names.contains(name) }) else {
                let known = specifications.map { "--" + $0.names[0] }.joined(separator: " ")
                throw UsageError("unknown flag '\(argument)'; known flags: \(known)")
            }
            let canonical = specification.names[0]
            if specification.takesValue {
                if let inlineValue {
                    values[canonical] = inlineValue
                } else {
                    guard index + 1 < arguments.count else { throw UsageError("flag --\(canonical) needs a value") }
                    index += 1
                    values[canonical] = arguments[index]
                }
            } else {
                guard inlineValue == nil else { throw UsageError("flag --\(canonical) takes no value") }
                switches.insert(canonical)
            }
            index += 1
        }
    }

    private func specification(_ name: String) -> FlagSpecification {
        guard let found = specifications.first(where: { $0.names[0] == name }) else {
            preconditionFailure("flag --\(name) is not declared")
        }
        return found
    }

    /// The flag's value or its default.
    func string(_ name: String) -> String? { values[name] ?? specification(name).defaultValue }

    /// Whether a switch was given.
    func isSet(_ name: String) -> Bool { switches.contains(name) }

    /// Whether a value was given explicitly.
    func wasGiven(_ name: String) -> Bool { values[name] != nil || switches.contains(name) }

    /// An integer flag in `minimum...maximum`; `fallback` when not given and without a default.
    func integer(_ name: String, minimum: Int = Int.min, maximum: Int = Int.max, default fallback: Int? = nil) throws -> Int {
        if !wasGiven(name), let fallback { return fallback }
        guard let text = string(name) else { throw UsageError("flag --\(name) is required") }
        guard let value = Int(text) else { throw UsageError("--\(name) '\(text)' is not an integer") }
        guard value >= minimum else { throw UsageError("--\(name) must be at least \(minimum), got \(value)") }
        guard value <= maximum else { throw UsageError("--\(name) must be at most \(maximum), got \(value)") }
        return value
    }

    /// A real-valued flag in `range`.
    func real(_ name: String, in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> Double {
        guard let text = string(name) else { throw UsageError("flag --\(name) is required") }
        guard let value = Double(text), value.isFinite else { throw UsageError("--\(name) '\(text)' is not a number") }
        guard range.contains(value) else { throw UsageError("--\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)") }
        return value
    }

    /// A flag whose value must be one of `choices`.
    func choice(_ name: String, _ choices: [String]) throws -> String {
        guard let text = string(name) else { throw UsageError("flag --\(name) is required") }
        guard choices.contains(text) else {
            throw UsageError("--\(name) '\(text)' is not one of \(choices.joined(separator: ", "))")
        }
        return text
    }
}

/// The help text of a subcommand: usage line, then one line per flag with its default.
func helpText(command: String, summary: String, specifications: [FlagSpecification]) -> String {
    var lines = ["usage: rgflow \(command) [flags]", "", summary, "", "flags:"]
    for specification in specifications {
        let names = specification.names.map { $0.count == 1 ? "-\($0)" : "--\($0)" }.joined(separator: ", ")
        let value = specification.takesValue ? " VALUE" : ""
        let fallback = specification.defaultValue.map { " (default: \($0.isEmpty ? "\"\"" : $0))" } ?? ""
        lines.append("  \((names + value).padding(toLength: 26, withPad: " ", startingAt: 0)) \(specification.help)\(fallback)")
    }
    if specifications.contains(where: { $0.names[0] == "prior" }) { lines.append(SharedFlags.componentHelp) }
    return lines.joined(separator: "\n")
}
