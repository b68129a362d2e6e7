import Crypto
import Foundation
import SetragKernel

/// A sign-in name: an email address or a Gabonese mobile number, normalised.
public enum Username: Equatable, Sendable {
    case email(String)
    /// E.164, `+241` and 8 digits.
    case phone(String)

    /// An email address, or a Gabonese mobile number (the kernel's `GabonesePhone` rule) as E.164.
    public static func parse(_ raw: String) -> Username? {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 254 else { return nil }
        if trimmed.contains("@") { return isEmail(trimmed) ? .email(trimmed.lowercased()) : nil }
        return GabonesePhone.mobileE164(trimmed).map { .phone($0) }
    }

    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
              (1...64).contains(local.count), (3...253).contains(domain.count),
              domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..")
        else { return false }
        let localAllowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "!#$%&'*+/=?^_`{|}~.-"))
        let domainAllowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-"))
        return local.unicodeScalars.allSatisfy { $0.isASCII && localAllowed.contains($0) }
            && domain.unicodeScalars.allSatisfy { $0.isASCII && domainAllowed.contains($0) }
            && !local.hasPrefix(".") && !local.hasSuffix(".")
    }

    public var value: String {
        switch self { case .email(let v), .phone(let v): return v }
    }
}

/// The password rules: 8 to 256 characters (long passphrases welcome), and not one of the passwords attackers
/// try first.
public enum PasswordPolicy {
    public static let minimum = 8
    public static let maximum = 256

    public enum Problem: String, Sendable { case tooShort = "too-short", tooLong = "too-long", common = "common-password" }

    public static func check(_ password: String, username: String? = nil) -> Problem? {
        if password.count < minimum { return .tooShort }
        // bcrypt reads 72 bytes: longer passphrases are pre-hashed, so the limit only guards the server.
        if password.utf8.count > maximum * 4 || password.count > maximum { return .tooLong }
        let folded = password.lowercased()
        if CommonPasswords.list.contains(folded) { return .common }
        if Set(folded).count <= 2 { return .common }
        if let username, !username.isEmpty, folded == username.lowercased() { return .common }
        return nil
    }

    /// bcrypt ignores bytes past 72: a longer passphrase is first reduced to a fixed-size digest so all of it counts.
    public static func bcryptInput(_ password: String) -> String {
        guard password.utf8.count > 72 else { return password }
        return "sha256:" + Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
    }
}

/// Random identifiers and secrets.
public enum Random {
    public static func bytes(_ count: Int) -> [UInt8] { randomBytes(count) }

    /// A URL-safe secret with `bytes` bytes of entropy.
    public static func token(_ count: Int = 32) -> String { Data(bytes(count)).base64URLEncodedString() }

    /// An id with a type prefix: `usr_…`, `cli_…`.
    public static func id(_ prefix: String) -> String {
        let alphabet = Array("0123456789abcdefghijkmnpqrstuvwxyz")
        return prefix + "_" + String(bytes(16).map { alphabet[Int($0) % alphabet.count] })
    }

    public static func sha256(_ text: String) -> Data { Data(SHA256.hash(data: Data(text.utf8))) }
}

/// PKCE (RFC 7636), S256 only.
public enum PKCE {
    public static func isValidVerifier(_ verifier: String) -> Bool {
        (43...128).contains(verifier.count)
            && verifier.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-._~".unicodeScalars.contains($0))
            }
    }

    public static func challenge(for verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncodedString()
    }

    public static func verify(verifier: String, challenge: String) -> Bool {
        guard isValidVerifier(verifier) else { return false }
        let computed = Array(Self.challenge(for: verifier).utf8)
        let expected = Array(challenge.utf8)
        guard computed.count == expected.count else { return false }
        return zip(computed, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
