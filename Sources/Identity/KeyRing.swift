import Crypto
import Foundation
import JWTKit
import Logging
import SetragKernel

/// The keys that sign access tokens (Ed25519, `alg: EdDSA`). A new key is published in the JWKS at once but signs
/// only after `activationDelay`, so that every service has had the chance to fetch it; retired keys stay published
/// for `retiredKeyGrace` so tokens they signed still verify. `rotateIfDue` makes a new key when the
/// current one is older than `rotationInterval` (checked at start-up and hourly).
public actor KeyRing {
    let store: any IdentityStore
    let rotationInterval: TimeInterval
    let retiredKeyGrace: TimeInterval
    let activationDelay: TimeInterval
    let logger: Logger
    var records: [SigningKeyRecord] = []
    var signers = JWTKeyCollection()

    public init(store: any IdentityStore, rotationInterval: TimeInterval, retiredKeyGrace: TimeInterval,
                activationDelay: TimeInterval = 30, logger: Logger) {
        self.store = store
        self.rotationInterval = rotationInterval
        self.retiredKeyGrace = retiredKeyGrace
        self.activationDelay = activationDelay
        self.logger = logger
    }

    public func load() async throws {
        records = try await store.signingKeys()
        let keys = JWTKeyCollection()
        for record in records {
            guard let raw = Data(base64Encoded: String(decoding: record.privateKey, as: UTF8.self)) else { continue }
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            await keys.add(eddsa: EdDSA.PrivateKey(backing: key), kid: JWKIdentifier(string: record.kid))
        }
        signers = keys
    }

    /// The newest key published for at least `activationDelay`; while none is that old, the oldest (so the very
    /// first key signs at once). `records` is newest first.
    var current: SigningKeyRecord? {
        let now = Date()
        return records.first { now.timeIntervalSince($0.createdAt) >= activationDelay } ?? records.last
    }

    /// The key rotation is measured against: the newest, whether it signs yet or not.
    var newest: SigningKeyRecord? { records.first { $0.retiredAt == nil } }

    /// Makes a new signing key when there is none or the current one is due; returns whether it rotated.
    @discardableResult
    public func rotateIfDue(now: Date = Date(), force: Bool = false) async throws -> Bool {
        if records.isEmpty { try await load() }
        if !force, let newest, now.timeIntervalSince(newest.createdAt) < rotationInterval { return false }
        let key = Curve25519.Signing.PrivateKey()
        let kid = "k" + String(Int(now.timeIntervalSince1970)) + "-" + Random.token(4)
        let record = SigningKeyRecord(
            kid: kid, alg: "EdDSA", privateKey: Data(key.rawRepresentation.base64EncodedString().utf8),
            publicX: key.publicKey.rawRepresentation.base64URLEncodedString(), createdAt: now, retiredAt: nil)
        try await store.addSigningKey(record)
        try await store.retireSigningKeys(except: kid, now: now)
        try await load()
        logger.info("signing key rotated", metadata: ["kid": "\(kid)"])
        return true
    }

    public func sign(_ claims: AccessTokenClaims) async throws -> String {
        guard let current else { throw IdentityError.noSigningKey }
        var header = JWTHeader()
        header.typ = "at+jwt"
        header.alg = "EdDSA"
        return try await signers.sign(claims, kid: JWKIdentifier(string: current.kid), header: header)
    }

    /// RFC 7517 key set: the current key and keys retired less than `retiredKeyGrace` ago.
    public func jwks(now: Date = Date()) -> String {
        let published = records.filter { record in
            guard let retired = record.retiredAt else { return true }
            return now.timeIntervalSince(retired) < retiredKeyGrace
        }
        let object: [String: Any] = ["keys": published.map { record -> [String: String] in
            ["kty": "OKP", "crv": "Ed25519", "x": record.publicX, "kid": record.kid, "alg": "EdDSA", "use": "sig"]
        }]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
