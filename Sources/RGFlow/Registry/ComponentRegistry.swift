// The registry of priors and couplings by name: the one place that lists the shipped ones and
// the only code that turns a name into a component.

import Synchronization
import Tensor

/// Priors and couplings by name.
///
/// ``FlowConfiguration`` stores a ``ComponentSpecification`` (name and options) for each; the
/// model, the trainer, checkpoints and the tool build components only through this registry,
/// so none of them switches on a kind. The shipped components are registered from the start;
/// a package that adds its own calls ``register(prior:)`` or ``register(coupling:)`` once,
/// before building configurations that name it.
///
/// Thread safety: the tables are guarded by a mutex; registration and lookup may happen on any
/// thread.
public enum ComponentRegistry {
    /// The shipped priors. Adding a prior to the package is one file plus one entry here.
    public static let builtInPriors: [any PriorOptions.Type] = [
        GaussianPriorOptions.self, LaplacePriorOptions.self, StudentTPriorOptions.self, LevelLaplacePriorOptions.self,
    ]

    /// The shipped couplings. Adding a coupling is one file plus one entry here.
    public static let builtInCouplings: [any CouplingOptions.Type] = [
        RealNVPCouplingOptions.self, AutoregressiveCouplingOptions.self, AdditiveCouplingOptions.self,
    ]

    private static let priors = Mutex(Dictionary(uniqueKeysWithValues: builtInPriors.map { ($0.name, $0) }))
    private static let couplings = Mutex(Dictionary(uniqueKeysWithValues: builtInCouplings.map { ($0.name, $0) }))

    /// Makes `options`' prior available by its name; a later registration of the same name
    /// replaces the earlier one.
    public static func register(prior options: any PriorOptions.Type) {
        priors.withLock { $0[options.name] = options }
    }

    /// Makes `options`' coupling available by its name; a later registration of the same name
    /// replaces the earlier one.
    public static func register(coupling options: any CouplingOptions.Type) {
        couplings.withLock { $0[options.name] = options }
    }

    /// The registered prior names, sorted.
    public static var priorNames: [String] { priors.withLock { $0.keys.sorted() } }

    /// The registered coupling names, sorted.
    public static var couplingNames: [String] { couplings.withLock { $0.keys.sorted() } }

    /// The options type registered as prior `name`.
    ///
    /// - Throws: ``ConfigurationError`` listing the registered names.
    public static func prior(named name: String) throws -> any PriorOptions.Type {
        guard let found = priors.withLock({ $0[name] }) else {
            throw ConfigurationError("unknown prior '\(name)': registered priors are \(priorNames.joined(separator: ", "))")
        }
        return found
    }

    /// The options type registered as coupling `name`.
    ///
    /// - Throws: ``ConfigurationError`` listing the registered names.
    public static func coupling(named name: String) throws -> any CouplingOptions.Type {
        guard let found = couplings.withLock({ $0[name] }) else {
            throw ConfigurationError("unknown subnet '\(name)': registered couplings are \(couplingNames.joined(separator: ", "))")
        }
        return found
    }

    /// `specification` with its options checked and completed with defaults.
    static func resolvedPrior(_ specification: ComponentSpecification) throws -> ComponentSpecification {
        func complete<Options: PriorOptions>(_: Options.Type) throws -> [String: OptionValue] {
            try Options.resolve(specification.options, component: "prior \(specification.name)").storedOptions
        }
        return ComponentSpecification(specification.name, options: try complete(try prior(named: specification.name)))
    }

    /// `specification` with its options checked against every layer and completed with defaults.
    static func resolvedCoupling(_ specification: ComponentSpecification,
                                 layers: [CouplingLayerSettings]) throws -> ComponentSpecification {
        func complete<Options: CouplingOptions>(_: Options.Type) throws -> [String: OptionValue] {
            let options = try Options.resolve(specification.options, component: "subnet \(specification.name)")
            for layer in layers { try options.validate(layer) }
            return options.storedOptions
        }
        return ComponentSpecification(specification.name, options: try complete(try coupling(named: specification.name)))
    }

    /// The prior a resolved specification names (configurations hold only resolved ones).
    static func makePrior<Scalar: TensorScalar>(_ specification: ComponentSpecification, for latents: LatentLevels,
                                                as _: Scalar.Type) -> any Prior<Scalar> {
        func build<Options: PriorOptions>(_: Options.Type) -> any Prior<Scalar> {
            resolvedOrTrap { try Options.resolve(specification.options, component: "prior \(specification.name)") }
                .makePrior(for: latents, as: Scalar.self)
        }
        let options: any PriorOptions.Type = resolvedOrTrap { try prior(named: specification.name) }
        return build(options)
    }

    /// The coupling of one layer that a resolved specification names.
    static func makeCoupling<Scalar: TensorScalar>(_ specification: ComponentSpecification,
                                                   for layer: CouplingLayerSettings, as _: Scalar.Type,
                                                   using generator: inout TensorRandomGenerator) -> any Coupling<Scalar> {
        func build<Options: CouplingOptions>(_: Options.Type, _ generator: inout TensorRandomGenerator) -> any Coupling<Scalar> {
            resolvedOrTrap { try Options.resolve(specification.options, component: "subnet \(specification.name)") }
                .makeCoupling(for: layer, as: Scalar.self, using: &generator)
        }
        let options: any CouplingOptions.Type = resolvedOrTrap { try coupling(named: specification.name) }
        return build(options, &generator)
    }

    /// The name with the options that differ from their defaults, for file names:
    /// `studentt-nu3`, or `laplace` when every option is at its default.
    static func shortName(_ specification: ComponentSpecification, isPrior: Bool) -> String {
        let defaults = (isPrior ? (try? prior(named: specification.name))?.defaultOptions
                                : (try? coupling(named: specification.name))?.defaultOptions) ?? [:]
        let changed = specification.options.keys.sorted().filter { specification.options[$0] != defaults[$0] }
        let parts = changed.map { key in
            (key + "\(specification.options[key]!)").map { $0 == "/" || $0 == " " ? "_" : $0 }
        }
        return ([specification.name] + parts.map { String($0) }).joined(separator: "-")
    }

    /// A configuration is validated when it is made or decoded, so failing here means a
    /// component was unregistered or changed in between: a programming error.
    private static func resolvedOrTrap<Value>(_ body: () throws -> Value) -> Value {
        do { return try body() } catch { preconditionFailure("ComponentRegistry: \(error)") }
    }

    /// Help for `--prior`/`--subnet`: each registered name, its summary, and its options with
    /// their defaults.
    public static func helpLines(priors listingPriors: Bool) -> [String] {
        func lines<Options: ComponentOptions>(_ options: Options.Type, name: String, summary: String) -> [String] {
            let defaults = Options.defaultOptions
            let keys = defaults.keys.sorted()
            let head = "  \(name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(summary)"
            return [head] + keys.map { key in
                let help = Options.optionHelp[key].map { ": \($0)" } ?? ""
                return "      \(key)=\(defaults[key]!)\(help)"
            }
        }
        if listingPriors {
            let table = priors.withLock { $0 }
            return table.keys.sorted().flatMap { name in
                let options = table[name]!
                return lines(options, name: name, summary: options.summary)
            }
        }
        let table = couplings.withLock { $0 }
        return table.keys.sorted().flatMap { name in
            let options = table[name]!
            return lines(options, name: name, summary: options.summary)
        }
    }
}
