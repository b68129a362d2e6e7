import Crypto
import Foundation
import Logging
import ServiceLifecycle
import SetragKernel
import Synchronization

/// A signing key ready to use.
public struct TicketKey: Sendable {
    public let kid: UInt16
    public let privateKey: Curve25519.Signing.PrivateKey
    public let publicKey: Curve25519.Signing.PublicKey
    public let signsFrom: Date

    init(_ record: TicketKeyRecord) throws {
        kid = record.kid
        privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: record.privateKey)
        publicKey = privateKey.publicKey
        signsFrom = record.signsFrom
    }

    /// The key id as published: four lower-case hex digits.
    public var kidText: String { Self.text(kid) }
    static func text(_ kid: UInt16) -> String {
        let hex = String(kid, radix: 16)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }
}

/// A key as `GET /api/v1/tickets/keys` shows it.
public struct PublishedTicketKey: Sendable, Equatable {
    public var kid: UInt16
    public var publicKey: Data
    public var validFrom: Date
    /// Nil while it signs (or will): the end is not known yet.
    public var validUntil: Date?
}

/// The keys that sign tickets, after identity's key ring but in booking's own database: Ed25519, each with a short
/// key id; one signs at a time. A new key is published `activationDelay` before it signs, so that conductors'
/// devices, which verify offline, have it before the first ticket it signs; the key before it stops signing then,
/// but stays published for as long as any ticket it signed is valid. `rotateIfDue` makes the next key when the
/// newest one has signed for `rotationInterval` (at start-up and hourly, see `TicketKeyRotator`); the first key
/// signs at once.
///
/// Which key signs is worked out from the stored keys alone (the newest whose `signsFrom` has come): there is no
/// flag to flip, so two instances rotating at the same moment leave two keys of which one signs, never none.
public final class TicketKeyRing: Sendable {
    let store: any TicketStore
    let rotationInterval: TimeInterval
    let activationDelay: TimeInterval
    let logger: Logger
    /// How long the keys read are used before they are read again (another instance may have rotated).
    let cacheTTL: Duration
    let cache = Mutex<(loaded: ContinuousClock.Instant, keys: [TicketKey])?>(nil)
    let lastMissReload = Mutex<ContinuousClock.Instant?>(nil)

    public init(store: any TicketStore, rotationInterval: TimeInterval, activationDelay: TimeInterval,
                cacheTTL: Duration = .seconds(60), logger: Logger) {
        self.store = store
        self.rotationInterval = rotationInterval
        self.activationDelay = activationDelay
        self.cacheTTL = cacheTTL
        self.logger = logger
    }

    /// Every key, by `signsFrom` then kid (from the cache when fresh).
    func keys(reload: Bool = false) async throws -> [TicketKey] {
        let now = ContinuousClock.now
        if !reload, let cached = cache.withLock({ $0 }), now - cached.loaded < cacheTTL { return cached.keys }
        let keys = try await store.ticketKeys().map(TicketKey.init)
        cache.withLock { $0 = (now, keys) }
        return keys
    }

    /// The key that signs at `now`; makes the first key when there is none.
    public func signer(now: Date) async throws -> TicketKey {
        if let key = Self.signer(in: try await keys(), now: now) { return key }
        if let key = Self.signer(in: try await keys(reload: true), now: now) { return key }
        try await rotateIfDue(now: now)
        guard let key = Self.signer(in: try await keys(), now: now) else { throw TicketError.noSigningKey }
        return key
    }

    static func signer(in keys: [TicketKey], now: Date) -> TicketKey? {
        keys.last { $0.signsFrom <= now }
    }

    /// The key with this id, reading the keys again (at most every few seconds) when it is not known.
    public func key(kid: UInt16) async throws -> TicketKey? {
        if let key = try await keys().first(where: { $0.kid == kid }) { return key }
        let now = ContinuousClock.now
        let mayReload = lastMissReload.withLock { last in
            guard last.map({ now - $0 >= .seconds(5) }) ?? true else { return false }
            last = now
            return true
        }
        guard mayReload else { return nil }
        return try await keys(reload: true).first { $0.kid == kid }
    }

    /// Makes a new key when there is none, or when the newest has signed for `rotationInterval` (or when `force`d);
    /// returns whether it did. The new key signs after `activationDelay` (the very first key at once).
    @discardableResult
    public func rotateIfDue(now: Date, force: Bool = false) async throws -> Bool {
        let keys = try await keys(reload: true)
        if !force, let newest = keys.last, now.timeIntervalSince(newest.signsFrom) < rotationInterval { return false }
        // Whole seconds: the database keeps microseconds, and a time read back a fraction later than `now` would
        // leave the first key not signing yet.
        let from = keys.isEmpty ? now : now.addingTimeInterval(activationDelay)
        let signsFrom = Date(timeIntervalSince1970: from.timeIntervalSince1970.rounded(.down))
        let used = Set(keys.map(\.kid))
        for _ in 0..<8 {
            let random = randomBytes(2)
            let kid = UInt16(random[0]) << 8 | UInt16(random[1])
            guard kid != 0, !used.contains(kid) else { continue }
            let key = Curve25519.Signing.PrivateKey()
            do {
                try await store.addTicketKey(TicketKeyRecord(
                    kid: kid, privateKey: key.rawRepresentation, publicKey: key.publicKey.rawRepresentation,
                    signsFrom: signsFrom, createdAt: now))
            } catch TicketStoreError.duplicateKeyID {
                continue
            }
            _ = try await self.keys(reload: true)
            logger.info("ticket signing key made", metadata: [
                "kid": "\(TicketKey.text(kid))", "signs_from": "\(signsFrom.formatted(.iso8601))",
            ])
            return true
        }
        throw TicketError.noSigningKey
    }

    /// The keys devices need at `now`: those that sign or will, and those whose tickets may still be valid. A key
    /// that no longer signs is valid until the later of when it stopped and the end of the last ticket it signed.
    public func published(now: Date) async throws -> [PublishedTicketKey] {
        if try await keys().isEmpty { _ = try await signer(now: now) }
        let keys = try await keys()
        let lastValidity = try await store.lastTicketValidity()
        var published: [PublishedTicketKey] = []
        for (index, key) in keys.enumerated() {
            var validUntil: Date?
            if index + 1 < keys.count, keys[index + 1].signsFrom <= now {
                let stopped = keys[index + 1].signsFrom
                validUntil = max(stopped, lastValidity[key.kid] ?? stopped)
            }
            if let validUntil, validUntil <= now { continue }
            published.append(PublishedTicketKey(kid: key.kid, publicKey: key.publicKey.rawRepresentation,
                                                validFrom: key.signsFrom, validUntil: validUntil))
        }
        return published
    }
}

/// Checks whether the ticket key is due for rotation, at start-up (by the module) and every `interval`.
public struct TicketKeyRotator: Service {
    let keys: TicketKeyRing
    let interval: Duration
    let logger: Logger

    public func run() async throws {
        try await PeriodicJob("ticket key rotation", every: interval, firstAfterInterval: true, logger: logger) {
            try await keys.rotateIfDue(now: Date())
        }.run()
    }
}
