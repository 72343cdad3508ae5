// Memory sizes as people type them on a command line, parsed in one place so that every
// tool that takes a budget accepts the same spellings.

extension Int {
    /// The number of bytes `text` names: `8G`, `8GiB`, `512M`, `512MiB`, `64K`, `64KiB`,
    /// `100B` or a plain count, in powers of 1024, case-insensitive, fractions allowed
    /// (`1.5G`); `nil` unless the size is above 0 and below 1 PiB.
    public init?(byteSize text: String) {
        let trimmed = text.trimmingASCIIWhitespace().uppercased()
        let units: [(suffix: String, factor: Double)] = [
            ("GIB", 1_073_741_824), ("MIB", 1_048_576), ("KIB", 1024),
            ("G", 1_073_741_824), ("M", 1_048_576), ("K", 1024), ("B", 1),
        ]
        var number = Substring(trimmed), factor = 1.0
        if let unit = units.first(where: { trimmed.hasSuffix($0.suffix) }) {
            number = number.dropLast(unit.suffix.count)
            factor = unit.factor
        }
        guard let value = Double(String(number).trimmingASCIIWhitespace()), value.isFinite, value > 0,
              value * factor >= 1, value * factor < 1_125_899_906_842_624 else { return nil }
        self = Int(value * factor)
    }
}

private extension String {
    func trimmingASCIIWhitespace() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
