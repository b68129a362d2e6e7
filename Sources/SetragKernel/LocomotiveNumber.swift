/// A locomotive's running number as operators write it (`CC 2201`, `BB-1104`): 1 to 16 ASCII letters, digits,
/// spaces and dashes, beginning with a letter or a digit. Kept in upper case with single spaces, so that the
/// locomotive inventory plans for a trip and the one tracking knows a device is mounted on compare equal.
public enum LocomotiveNumber {
    public static let maxLength = 16

    /// The number as it is kept, or nil when `text` is not one.
    public static func normalized(_ text: String) -> String? {
        let allowed = text.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-")
        }
        guard allowed else { return nil }
        let number = text.split(separator: " ").joined(separator: " ").uppercased()
        guard (1...maxLength).contains(number.utf8.count), number.utf8.first != UInt8(ascii: "-") else { return nil }
        return number
    }
}
