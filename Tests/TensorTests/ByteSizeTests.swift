import Testing
import Tensor

/// `Int(byteSize:)` reads the sizes `--memory_budget` takes in both tools.
struct ByteSizeTests {
    @Test(arguments: [
        ("8G", 8 << 30), ("8GiB", 8 << 30), ("8g", 8 << 30), (" 512M ", 512 << 20), ("512MiB", 512 << 20),
        ("64K", 64 << 10), ("64kib", 64 << 10), ("100B", 100), ("1048576", 1 << 20), ("1.5G", 3 << 29),
    ])
    func readsUnitsInPowersOf1024(text: String, bytes: Int) {
        #expect(Int(byteSize: text) == bytes)
    }

    @Test(arguments: ["", "G", "0", "0G", "-1G", "nanG", "infG", "8T", "8 GB", "1048576P", "2000000T", "0.5B", "1e20"])
    func rejectsWhatIsNotAPositiveSizeBelowOnePebibyte(text: String) {
        #expect(Int(byteSize: text) == nil)
    }
}
