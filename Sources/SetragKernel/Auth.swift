import Foundation
import Hummingbird
import JWTKit
import Logging

/// The roles of the platform. A user holds one or more; machine clients hold the roles of their organisation.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    case customer, b2bMember = "b2b_member", b2bAdmin = "b2b_admin", agent, conductor, `operator`, admin

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What a caller may do. Services check permissions, never roles, so a role's reach is changed in one place.
public enum Permission: String, Sendable, CaseIterable {
    case profileRead = "profile.read"
    case profileWrite = "profile.write"
    case bookingsOwn = "bookings.own"
    case shipmentsOwn = "shipments.own"
    case organisationRead = "organisation.read"
    case organisationManage = "organisation.manage"
    case machineClientsManage = "clients.manage"
    case counterSell = "counter.sell"
    case parcelDesk = "parcels.desk"
    case ticketsVerify = "tickets.verify"
    case manifestRead = "manifest.read"
    case operationsManage = "operations.manage"
    case trackingManage = "tracking.manage"
    case usersManage = "users.manage"
    case rolesAssign = "roles.assign"
    case auditRead = "audit.read"

    /// The single table of who may do what.
    public static let byRole: [Role: Set<Permission>] = [
        .customer: [.profileRead, .profileWrite, .bookingsOwn, .shipmentsOwn],
        .b2bMember: [.profileRead, .profileWrite, .shipmentsOwn, .organisationRead],
        .b2bAdmin: [.profileRead, .profileWrite, .shipmentsOwn, .organisationRead, .organisationManage,
                    .machineClientsManage],
        .agent: [.profileRead, .profileWrite, .counterSell, .parcelDesk, .ticketsVerify, .manifestRead],
        .conductor: [.profileRead, .profileWrite, .ticketsVerify, .manifestRead],
        .`operator`: [.profileRead, .profileWrite, .manifestRead, .operationsManage, .trackingManage],
        .admin: Set(Permission.allCases),
    ]
}

/// The authenticated caller of a request, from a verified access token.
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable { case user, client }
    public var subject: String
    public var kind: Kind
    public var clientID: String
    public var roles: Set<Role>
    public var scopes: Set<String>
    public var tokenID: String

    public init(subject: String, kind: Kind, clientID: String, roles: Set<Role>, scopes: Set<String>, tokenID: String) {
        self.subject = subject
        self.kind = kind
        self.clientID = clientID
        self.roles = roles
        self.scopes = scopes
        self.tokenID = tokenID
    }

    public var permissions: Set<Permission> {
        roles.reduce(into: Set<Permission>()) { $0.formUnion(Permission.byRole[$1] ?? []) }
    }

    public func has(_ permission: Permission) -> Bool { permissions.contains(permission) }
}

/// The claims of a platform access token (RFC 9068 profile).
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var iss: String
    public var sub: String
    public var aud: [String]
    public var exp: Int
    public var iat: Int
    public var nbf: Int?
    public var jti: String
    public var client_id: String
    public var scope: String?
    public var roles: [String]

    public init(iss: String, sub: String, aud: [String], exp: Int, iat: Int, nbf: Int?, jti: String, clientID: String,
                scope: String?, roles: [String]) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.exp = exp
        self.iat = iat
        self.nbf = nbf
        self.jti = jti
        self.client_id = clientID
        self.scope = scope
        self.roles = roles
    }

    enum CodingKeys: String, CodingKey { case iss, sub, aud, exp, iat, nbf, jti, client_id, scope, roles }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        iss = try c.decode(String.self, forKey: .iss)
        sub = try c.decode(String.self, forKey: .sub)
        if let one = try? c.decode(String.self, forKey: .aud) { aud = [one] } else {
            aud = try c.decode([String].self, forKey: .aud)
        }
        exp = try c.decode(Int.self, forKey: .exp)
        iat = try c.decode(Int.self, forKey: .iat)
        nbf = try c.decodeIfPresent(Int.self, forKey: .nbf)
        jti = try c.decode(String.self, forKey: .jti)
        client_id = try c.decode(String.self, forKey: .client_id)
        scope = try c.decodeIfPresent(String.self, forKey: .scope)
        roles = try c.decodeIfPresent([String].self, forKey: .roles) ?? []
    }

    /// Time checks; issuer and audience are checked by the verifier that knows what to expect.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        let now = Int(Date().timeIntervalSince1970)
        guard exp > now else { throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "expired") }
        if let nbf, nbf > now + 5 {
            throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "not valid yet")
        }
    }

    public var principal: Principal {
        let isClient = sub.hasPrefix("cli_")
        return Principal(
            subject: sub, kind: isClient ? .client : .user, clientID: client_id,
            roles: Set(roles.compactMap(Role.init(rawValue:))),
            scopes: Set((scope ?? "").split(separator: " ").map(String.init)), tokenID: jti
        )
    }
}

/// Why a token was refused. The reason is logged; callers only ever see a 401.
public enum TokenRejection: Error, Sendable, Equatable {
    case malformed, wrongType, algorithmNotAllowed, unknownKey, badSignature, expired, wrongIssuer, wrongAudience
}

/// Verifies access tokens against identity's published keys, fetched on demand, cached, and fetched again when a
/// token names a key id the cache does not know (key rotation), at most once every few seconds.
public actor AccessTokenVerifier {
    public typealias JWKSSource = @Sendable () async throws -> String

    let issuer: String
    let audience: String
    let source: JWKSSource
    let logger: Logger
    let refetchInterval: Duration
    var keys = JWTKeyCollection()
    var knownKids: Set<String> = []
    var lastFetch: ContinuousClock.Instant?
    /// A fetch is under way: callers that need the keys meanwhile wait for it (after a restart, the first burst of
    /// requests must not be refused while the first fetch is still out).
    var fetching = false
    var waitingForKeys: [CheckedContinuation<Void, Never>] = []

    public static let allowedAlgorithms: Set<String> = ["EdDSA", "ES256"]

    public init(issuer: String, audience: String, logger: Logger, refetchInterval: Duration = .seconds(5),
                source: @escaping JWKSSource) {
        self.issuer = issuer
        self.audience = audience
        self.source = source
        self.logger = logger
        self.refetchInterval = refetchInterval
    }

    public func verify(_ token: String) async throws(TokenRejection) -> AccessTokenClaims {
        let header = try Self.header(of: token)
        guard let typ = header["typ"] as? String,
              ["at+jwt", "application/at+jwt"].contains(typ.lowercased()) else { throw .wrongType }
        guard let alg = header["alg"] as? String, Self.allowedAlgorithms.contains(alg) else {
            throw .algorithmNotAllowed
        }
        guard let kid = header["kid"] as? String, !kid.isEmpty else { throw .unknownKey }
        if !knownKids.contains(kid) { await refresh(force: false) }
        guard knownKids.contains(kid) else { throw .unknownKey }
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(token, as: AccessTokenClaims.self)
        } catch let error as JWTError {
            if case .claimVerificationFailure = error.errorType { throw .expired }
            throw .badSignature
        } catch {
            throw .badSignature
        }
        guard claims.iss == issuer else { throw .wrongIssuer }
        guard claims.aud.contains(audience) else { throw .wrongAudience }
        return claims
    }

    /// Loads the key set now (at start-up) or when a new key id appears; one fetch at a time, which every caller
    /// arriving meanwhile waits for.
    public func refresh(force: Bool) async {
        if fetching {
            await withCheckedContinuation { waitingForKeys.append($0) }
            return
        }
        let now = ContinuousClock.now
        if !force, let lastFetch, now - lastFetch < refetchInterval { return }
        lastFetch = now
        fetching = true
        await load()
        fetching = false
        let waiting = waitingForKeys
        waitingForKeys.removeAll()
        for waiter in waiting { waiter.resume() }
    }

    private func load() async {
        do {
            let json = try await source()
            let jwks = try JSONDecoder().decode(JWKS.self, from: Data(json.utf8))
            let fresh = JWTKeyCollection()
            var kids: Set<String> = []
            for jwk in jwks.keys {
                guard let kid = jwk.keyIdentifier?.string,
                      let alg = jwk.algorithm?.rawValue, Self.allowedAlgorithms.contains(alg) else { continue }
                try await fresh.add(jwk: jwk)
                kids.insert(kid)
            }
            keys = fresh
            knownKids = kids
        } catch {
            logger.warning("could not load the signing keys", metadata: ["error": "\(error)"])
        }
    }

    static func header(of token: String) throws(TokenRejection) -> [String: Any] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.count < 8192,
              let data = Data(base64URLEncoded: String(parts[0])),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw .malformed }
        return object
    }
}

extension Data {
    /// Decodes base64url (RFC 4648 §5), with or without padding.
    public init?(base64URLEncoded string: String) {
        var bytes = Array(string.utf8)
        for index in bytes.indices {
            switch bytes[index] {
            case UInt8(ascii: "-"): bytes[index] = UInt8(ascii: "+")
            case UInt8(ascii: "_"): bytes[index] = UInt8(ascii: "/")
            default: break
            }
        }
        while bytes.count % 4 != 0 { bytes.append(UInt8(ascii: "=")) }
        self.init(base64Encoded: Data(bytes))
    }

    /// Encodes as base64url without padding (RFC 4648 §5).
    public func base64URLEncodedString() -> String {
        base64URLEncode(self)
    }
}

private let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

/// Base64url without padding, written byte by byte (no Foundation string replacing: this runs for every cookie
/// and token).
public func base64URLEncode(_ bytes: some Collection<UInt8>) -> String {
    let input = Array(bytes)
    let length = (input.count * 4 + 2) / 3
    return String(unsafeUninitializedCapacity: length) { output in
        var out = 0, index = 0
        while index + 3 <= input.count {
            let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            output[out] = base64URLAlphabet[Int(value >> 18 & 63)]
            output[out + 1] = base64URLAlphabet[Int(value >> 12 & 63)]
            output[out + 2] = base64URLAlphabet[Int(value >> 6 & 63)]
            output[out + 3] = base64URLAlphabet[Int(value & 63)]
            out += 4
            index += 3
        }
        let rest = input.count - index
        if rest > 0 {
            let value = UInt32(input[index]) << 16 | (rest == 2 ? UInt32(input[index + 1]) << 8 : 0)
            output[out] = base64URLAlphabet[Int(value >> 18 & 63)]
            output[out + 1] = base64URLAlphabet[Int(value >> 12 & 63)]
            out += 2
            if rest == 2 {
                output[out] = base64URLAlphabet[Int(value >> 6 & 63)]
                out += 1
            }
        }
        return out
    }
}

/// Reads `Authorization: Bearer` and, when the token verifies, sets the caller on the context. A missing token
/// leaves the request anonymous (routes that need a caller say so); a bad one is a 401.
public struct BearerAuthMiddleware<Context: SetragContext>: RouterMiddleware {
    let verifier: AccessTokenVerifier

    public init(verifier: AccessTokenVerifier) { self.verifier = verifier }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await next(request, Self.authenticate(request, context: context, verifier: verifier) ?? context)
    }

    /// The context with its caller set when the request carries a Bearer token that verifies; nil when it carries
    /// none. A bad token is a 401. Other schemes (HTTP Basic of OAuth clients at identity's token endpoint) are not
    /// ours to judge here: the request stays anonymous, and routes that need a caller answer 401.
    public static func authenticate(_ request: Request, context: Context, verifier: AccessTokenVerifier)
        async throws -> Context?
    {
        guard let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ")
        else { return nil }
        let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        var context = context
        do {
            let claims = try await verifier.verify(token)
            context.principal = claims.principal
            context.logger[metadataKey: "subject"] = .string(claims.sub)
        } catch {
            context.logger.info("access token refused", metadata: ["reason": "\(error)"])
            throw ProblemError.unauthorized("The access token is not valid")
        }
        return context
    }
}
