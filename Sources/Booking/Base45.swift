/// Base45 (RFC 9285): bytes as text made only of the 45 characters of a QR code's alphanumeric mode.
///
/// Why base45 for tickets rather than base64url: a QR code stores alphanumeric text at 5.5 bits per character but
/// any other text at 8 bits per character (byte mode). Base45 spends 1.5 characters per byte, i.e. 8.25 bits per
/// byte in alphanumeric mode; base64url spends 4/3 characters per byte, i.e. 10.67 bits per byte in byte mode. For
/// a ticket's 103 bytes that is 155 characters (853 bits) against 138 characters (1,104 bits): a QR code one or two
/// versions smaller, with larger modules that phone screens and old scanners read more easily.
public enum Base45 {
    public static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)

    /// The value of each ASCII character, -1 for characters outside the alphabet.
    static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = Int8(index) }
        return table
    }()

    /// Every two bytes `a, b` become `n = a × 256 + b` written as three characters `c d e` with
    /// `n = c + d × 45 + e × 45²`; a last single byte becomes two characters `c d`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 2 * 3 + 2)
        var index = 0
        while index + 1 < input.count {
            var n = Int(input[index]) << 8 | Int(input[index + 1])
            for _ in 0..<3 {
                output.append(alphabet[n % 45])
                n /= 45
            }
            index += 2
        }
        if index < input.count {
            let n = Int(input[index])
            output.append(alphabet[n % 45])
            output.append(alphabet[n / 45])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes, or nil when the text is not base45: a character outside the alphabet, a group worth more than
    /// its bytes can hold (over 65,535 for three characters, over 255 for a final two), or a lone last character.
    public static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 3 != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 3 * 2 + 1)
        var index = 0
        while index < input.count {
            let group = min(3, input.count - index)
            var n = 0
            var weight = 1
            for offset in 0..<group {
                let character = input[index + offset]
                guard character < 128 else { return nil }
                let value = values[Int(character)]
                guard value >= 0 else { return nil }
                n += Int(value) * weight
                weight *= 45
            }
            if group == 3 {
                guard n <= 0xFFFF else { return nil }
                output.append(UInt8(n >> 8))
                output.append(UInt8(n & 0xFF))
            } else {
                guard n <= 0xFF else { return nil }
                output.append(UInt8(n))
            }
            index += group
        }
        return output
    }
}
