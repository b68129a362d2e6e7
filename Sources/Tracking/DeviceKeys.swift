import Crypto
import Foundation
import SetragKernel

/// Device keys: 32 random bytes in base64url, shown once when the device is registered. Only their SHA-256 is
/// stored: a key is random, not a password, so a fast hash is enough.
public enum DeviceKey {
    public static func make() -> String { base64URLEncode(randomBytes(32)) }

    public static func hash(_ key: String) -> [UInt8] { Array(SHA256.hash(data: Data(key.utf8))) }

    /// Compares a presented key with a stored hash in time that does not depend on where they differ.
    public static func matches(_ key: String, hash stored: [UInt8]) -> Bool {
        let presented = hash(key)
        guard presented.count == stored.count else { return false }
        var difference: UInt8 = 0
        for index in presented.indices { difference |= presented[index] ^ stored[index] }
        return difference == 0
    }

    /// `Authorization: Device <id>:<key>` → (id, key); nil for another scheme or a malformed value.
    public static func credentials(fromAuthorization header: String?) -> (id: String, key: String)? {
        guard let header, header.count < 256 else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "device" else { return nil }
        let value = parts[1].trimmingASCIISpaces()
        guard let colon = value.firstIndex(of: ":") else { return nil }
        let id = value[..<colon], key = value[value.index(after: colon)...]
        guard !id.isEmpty, !key.isEmpty else { return nil }
        return (String(id), String(key))
    }
}
