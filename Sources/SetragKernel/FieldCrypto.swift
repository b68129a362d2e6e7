import Crypto
import Foundation

/// Encrypts personal data field by field (AES-256-GCM). A stored value is `version byte || nonce || ciphertext ||
/// tag`, and the associated data binds it to its row and column, so a value copied to another row fails to open.
/// A keyed hash (HMAC-SHA-256 with a separate key) sits beside fields that must be looked up.
///
/// Settings: `crypto.field_keys` as `1:<base64 32 bytes>,2:<base64 32 bytes>` (old keys stay to read old rows),
/// `crypto.field_key_current` (the version new values use), `crypto.lookup_key` (base64 32 bytes).
public struct FieldCrypto: Sendable {
    let keys: [UInt8: SymmetricKey]
    let current: UInt8
    let lookupKey: SymmetricKey

    public init(keys: [UInt8: SymmetricKey], current: UInt8, lookupKey: SymmetricKey) {
        precondition(keys[current] != nil, "the current key version must have a key")
        self.keys = keys
        self.current = current
        self.lookupKey = lookupKey
    }

    /// Reads the keys from settings, noting what is missing or wrong.
    public static func from(_ settings: Settings) -> FieldCrypto? {
        let listed = settings.string("crypto.field_keys", secret: true)
        var keys: [UInt8: SymmetricKey] = [:]
        for entry in listed.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let version = UInt8(parts[0]), let bytes = Data(base64Encoded: String(parts[1])),
                  bytes.count == 32 else {
                settings.invalid("crypto.field_keys", "must be a list of <version>:<base64 of 32 bytes>")
                return nil
            }
            keys[version] = SymmetricKey(data: bytes)
        }
        let current = settings.int("crypto.field_key_current", default: Int(keys.keys.max() ?? 1), range: 1...255)
        guard let lookup = settings.key("crypto.lookup_key", bytes: 32) else { return nil }
        guard !keys.isEmpty, keys[UInt8(current)] != nil else {
            if !listed.isEmpty { settings.invalid("crypto.field_key_current", "names no key of crypto.field_keys") }
            return nil
        }
        return FieldCrypto(keys: keys, current: UInt8(current), lookupKey: SymmetricKey(data: lookup))
    }

    public func seal(_ plaintext: String, context: String) throws -> Data {
        let key = keys[current]!
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw FieldCryptoError.sealFailed }
        return Data([current]) + combined
    }

    public func open(_ stored: Data, context: String) throws -> String {
        guard let version = stored.first, let key = keys[version] else { throw FieldCryptoError.unknownKeyVersion }
        let box = try AES.GCM.SealedBox(combined: stored.dropFirst())
        let plain = try AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
        guard let text = String(data: plain, encoding: .utf8) else { throw FieldCryptoError.notText }
        return text
    }

    /// A keyed hash for lookups (the same input always gives the same 32 bytes; the key never leaves the service).
    public func lookupHash(_ value: String, purpose: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data((purpose + "\u{0}" + value).utf8), using: lookupKey))
    }
}

public enum FieldCryptoError: Error { case sealFailed, unknownKeyVersion, notText }
