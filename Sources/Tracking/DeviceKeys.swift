import Crypto
import Foundation
import SetragKernel

/// What is kept of a device key: its SHA-256 (to check the key sent over HTTP, OsmAnd or in an MQTT message) and its
/// Mosquitto hash (the device's broker login: user name its id, password its key; see `BrokerPassword`).
public struct DeviceCredentials: Sendable, Equatable {
    public var keyHash: [UInt8]
    public var brokerHash: String

    public init(keyHash: [UInt8], brokerHash: String) {
        self.keyHash = keyHash
        self.brokerHash = brokerHash
    }
}

/// Device keys: 32 random bytes in base64url, shown once when the device is registered or given a new key. Only
/// hashes are stored: a key is random, not a password, so a fast hash is enough.
public enum DeviceKey {
    public static func make() -> String { base64URLEncode(randomBytes(32)) }

    /// A new key and both of its hashes: the only moment the key is known, so the only one to make them.
    public static func issue() throws -> (key: String, credentials: DeviceCredentials) {
        let key = make()
        return (key, DeviceCredentials(keyHash: hash(key), brokerHash: try BrokerPassword.hash(key)))
    }

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
