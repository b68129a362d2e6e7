import Foundation

/// Gabonese mobile numbers, the one rule every service uses (sign-in names, booking contacts, payers).
/// Nine digits nationally since April 2024: `0` + 8 digits (Airtel 074/077, Moov 062/065/066); E.164 `+241` + the 8.
public enum GabonesePhone {
    /// A national mobile number: `0` + 8 digits with an Airtel or Moov prefix.
    public static func isNationalMobile(_ digits: String) -> Bool {
        digits.wholeMatch(of: /0(6[256]|7[47])\d{6}/) != nil
    }

    /// The number in E.164 (`+241` + 8 digits) when `raw` is a Gabonese mobile number, written nationally or with
    /// `+241` or `00241`; spaces, dots, dashes and brackets are ignored. Nil otherwise.
    public static func mobileE164(_ raw: String) -> String? {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 254 else { return nil }
        var digits = trimmed.filter { !" .-()".contains($0) }
        if digits.hasPrefix("+241") { digits = "0" + digits.dropFirst(4) }
        else if digits.hasPrefix("00241") { digits = "0" + digits.dropFirst(5) }
        guard isNationalMobile(digits) else { return nil }
        return "+241" + digits.dropFirst()
    }
}
