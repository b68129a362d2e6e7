import Foundation
import HummingbirdBcrypt
import Logging
import NIOPosix
import SetragKernel

/// The OAuth 2 authorization server: authorization code with PKCE (S256 only), refresh-token rotation with reuse
/// detection, client credentials, introspection and revocation. Implicit and password grants do not exist here.
public struct AuthorizationServer: Sendable {
    public struct Options: Sendable {
        public var issuer: String
        public var audience: String
        public var accessTokenLifetime: TimeInterval = 600
        public var codeLifetime: TimeInterval = 60
        /// A refresh-token family ends this long after sign-in, however often it is rotated.
        public var refreshAbsoluteLifetime: TimeInterval = 30 * 86_400
        public init(issuer: String, audience: String) {
            self.issuer = issuer
            self.audience = audience
        }
    }

    let store: any IdentityStore
    let keys: KeyRing
    let options: Options
    let logger: Logger

    public init(store: any IdentityStore, keys: KeyRing, options: Options, logger: Logger) {
        self.store = store
        self.keys = keys
        self.options = options
        self.logger = logger
    }

    public struct TokenResponse: Codable, Sendable {
        public var access_token: String
        public var token_type = "Bearer"
        public var expires_in: Int
        public var refresh_token: String?
        public var scope: String
    }

    // MARK: client authentication

    /// The calling client from HTTP Basic or `client_id`/`client_secret` form fields. Public clients send only
    /// their id; confidential clients must prove their secret.
    public func authenticateClient(authorization: String?, form: [String: String]) async throws -> ClientRecord {
        var id = form["client_id"]
        var secret = form["client_secret"]
        if let authorization, authorization.lowercased().hasPrefix("basic ") {
            guard let data = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
                  let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else {
                throw OAuthError.invalidClient()
            }
            id = String(text[..<colon]).removingPercentEncoding
            secret = String(text[text.index(after: colon)...]).removingPercentEncoding
        }
        guard let id, !id.isEmpty, id.count <= 64, let client = try await store.client(id: id), !client.revoked else {
            throw OAuthError.invalidClient()
        }
        switch client.kind {
        case .publicClient:
            return client
        case .confidential:
            guard let secret, let hash = client.secretHash, secret.count <= 200 else { throw OAuthError.invalidClient() }
            let ok = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(secret, hash: hash) }
            guard ok else { throw OAuthError.invalidClient() }
            return client
        }
    }

    // MARK: authorization requests

    public struct AuthorizationRequest: Sendable {
        public var client: ClientRecord
        public var redirectURI: String
        public var state: String?
        public var codeChallenge: String
        public var scope: String
    }

    public enum AuthorizationFailure: Error, Sendable {
        /// The client or redirect URI cannot be trusted: show an error page, never redirect.
        case badClient(String)
        /// Tell the client through its redirect URI.
        case redirect(uri: String, error: String, description: String, state: String?)
    }

    /// Checks an authorization request. Redirect URIs must match a registered one exactly.
    public func validate(_ query: [String: String]) async throws -> AuthorizationRequest {
        guard let clientID = query["client_id"], !clientID.isEmpty, clientID.count <= 64,
              let client = try await store.client(id: clientID), !client.revoked else {
            throw AuthorizationFailure.badClient("Unknown client")
        }
        guard let redirectURI = query["redirect_uri"], client.redirectURIs.contains(redirectURI) else {
            throw AuthorizationFailure.badClient("The redirect URI is not registered for this client")
        }
        let state = query["state"]
        func fail(_ error: String, _ description: String) -> AuthorizationFailure {
            .redirect(uri: redirectURI, error: error, description: description, state: state)
        }
        guard query["response_type"] == "code" else {
            throw fail("unsupported_response_type", "Only the authorization code flow is offered")
        }
        guard client.grantTypes.contains("authorization_code") else {
            throw fail("unauthorized_client", "This client may not use the authorization code flow")
        }
        guard let challenge = query["code_challenge"], (43...128).contains(challenge.count) else {
            throw fail("invalid_request", "PKCE is required: send code_challenge")
        }
        guard query["code_challenge_method"] == "S256" else {
            throw fail("invalid_request", "Only code_challenge_method S256 is accepted")
        }
        let scope = query["scope"] ?? ""
        guard scope.count <= 400 else { throw fail("invalid_scope", "The scope is too long") }
        return AuthorizationRequest(client: client, redirectURI: redirectURI, state: state, codeChallenge: challenge,
                                    scope: scope)
    }

    /// After the user signed in: a single-use code bound to the client, the redirect URI and the PKCE challenge.
    public func issueCode(for request: AuthorizationRequest, user: UserRecord, now: Date = Date()) async throws
        -> String
    {
        let code = Random.token(32)
        let family = FamilyRecord(id: Random.id("fam"), clientID: request.client.id, userID: user.id,
                                  scope: request.scope, expiresAt: now.addingTimeInterval(options.refreshAbsoluteLifetime),
                                  revoked: false)
        try await store.createFamily(family)
        try await store.storeCode(hash: Random.sha256(code), CodeRecord(
            familyID: family.id, clientID: request.client.id, userID: user.id, redirectURI: request.redirectURI,
            codeChallenge: request.codeChallenge, scope: request.scope, expiresAt: now.addingTimeInterval(options.codeLifetime)))
        return code
    }

    // MARK: token endpoint

    public func token(form: [String: String], client: ClientRecord, now: Date = Date()) async throws -> TokenResponse {
        let grant = form["grant_type"] ?? ""
        guard client.grantTypes.contains(grant) || !["authorization_code", "refresh_token", "client_credentials"]
            .contains(grant) else {
            throw OAuthError.unauthorizedClient("This client may not use the \(grant) grant")
        }
        switch grant {
        case "authorization_code": return try await exchangeCode(form: form, client: client, now: now)
        case "refresh_token": return try await refresh(form: form, client: client, now: now)
        case "client_credentials": return try await clientCredentials(form: form, client: client, now: now)
        case "": throw OAuthError.invalidRequest("grant_type is required")
        default: throw OAuthError.unsupportedGrantType("The \(grant) grant is not offered")
        }
    }

    func exchangeCode(form: [String: String], client: ClientRecord, now: Date) async throws -> TokenResponse {
        guard let code = form["code"], !code.isEmpty, code.count <= 200 else {
            throw OAuthError.invalidRequest("code is required")
        }
        guard let verifier = form["code_verifier"] else { throw OAuthError.invalidRequest("code_verifier is required") }
        switch try await store.useCode(hash: Random.sha256(code), now: now) {
        case .unknownOrExpired:
            throw OAuthError.invalidGrant("The code is unknown or expired")
        case .replayed(let familyID):
            // A second use of a code: revoke everything the first use produced (RFC 6749 section 4.1.2).
            try await store.revokeFamily(id: familyID, reason: "code_replayed", now: now)
            logger.warning("authorization code replayed; its tokens are revoked", metadata: ["family": "\(familyID)"])
            throw OAuthError.invalidGrant("The code was already used")
        case .fresh(let record):
            guard record.clientID == client.id else { throw OAuthError.invalidGrant("The code belongs to another client") }
            guard form["redirect_uri"] == record.redirectURI else {
                throw OAuthError.invalidGrant("redirect_uri differs from the authorization request")
            }
            guard PKCE.verify(verifier: verifier, challenge: record.codeChallenge) else {
                throw OAuthError.invalidGrant("The code verifier does not match the challenge")
            }
            guard let user = try await store.user(id: record.userID), user.status == "active" else {
                throw OAuthError.invalidGrant("The account is not active")
            }
            return try await issueTokens(
                subject: user.id, roles: user.roles, client: client, scope: record.scope, familyID: record.familyID,
                withRefresh: true, now: now)
        }
    }

    func refresh(form: [String: String], client: ClientRecord, now: Date) async throws -> TokenResponse {
        guard let token = form["refresh_token"], !token.isEmpty, token.count <= 200 else {
            throw OAuthError.invalidRequest("refresh_token is required")
        }
        switch try await store.useRefreshToken(hash: Random.sha256(token), now: now) {
        case .unknown:
            throw OAuthError.invalidGrant("The refresh token is unknown")
        case .reused(let familyID):
            try await store.revokeFamily(id: familyID, reason: "refresh_reused", now: now)
            logger.warning("refresh token reused; its family is revoked", metadata: ["family": "\(familyID)"])
            throw OAuthError.invalidGrant("The refresh token was already used")
        case .fresh(let family):
            guard family.clientID == client.id else { throw OAuthError.invalidGrant("The token belongs to another client") }
            guard !family.revoked else { throw OAuthError.invalidGrant("The refresh token was revoked") }
            guard family.expiresAt > now else { throw OAuthError.invalidGrant("The session has expired; sign in again") }
            guard let userID = family.userID, let user = try await store.user(id: userID), user.status == "active" else {
                throw OAuthError.invalidGrant("The account is not active")
            }
            return try await issueTokens(subject: user.id, roles: user.roles, client: client, scope: family.scope,
                                         familyID: family.id, withRefresh: true, now: now)
        }
    }

    func clientCredentials(form: [String: String], client: ClientRecord, now: Date) async throws -> TokenResponse {
        guard client.kind == .confidential else {
            throw OAuthError.unauthorizedClient("Only confidential clients may use client credentials")
        }
        let scope = form["scope"] ?? ""
        guard scope.count <= 400 else { throw OAuthError.invalidScope("The scope is too long") }
        return try await issueTokens(subject: client.id, roles: client.roles, client: client, scope: scope,
                                     familyID: nil, withRefresh: false, now: now)
    }

    func issueTokens(subject: String, roles: Set<Role>, client: ClientRecord, scope: String, familyID: String?,
                     withRefresh: Bool, now: Date) async throws -> TokenResponse
    {
        let issuedAt = Int(now.timeIntervalSince1970)
        let lifetime = Int(options.accessTokenLifetime)
        let jti = Random.id("at")
        let claims = AccessTokenClaims(
            iss: options.issuer, sub: subject, aud: [options.audience], exp: issuedAt + lifetime, iat: issuedAt,
            nbf: issuedAt, jti: jti, clientID: client.id, scope: scope.isEmpty ? nil : scope,
            roles: roles.sorted().map(\.rawValue))
        let access = try await keys.sign(claims)
        try await store.recordAccessToken(jti: jti, familyID: familyID, clientID: client.id, subject: subject,
                                          expiresAt: Date(timeIntervalSince1970: TimeInterval(issuedAt + lifetime)))
        var refresh: String?
        if withRefresh, let familyID {
            let token = Random.token(32)
            try await store.storeRefreshToken(hash: Random.sha256(token), familyID: familyID)
            refresh = token
        }
        return TokenResponse(access_token: access, expires_in: lifetime, refresh_token: refresh, scope: scope)
    }

    // MARK: introspection and revocation

    /// RFC 7662. Only an authenticated confidential client may ask.
    public func introspect(token: String, verifier: AccessTokenVerifier, now: Date = Date()) async throws
        -> [String: Any]
    {
        if let claims = try? await verifier.verify(token),
           try await store.isAccessTokenActive(jti: claims.jti, now: now) {
            var answer: [String: Any] = [
                "active": true, "sub": claims.sub, "client_id": claims.client_id, "exp": claims.exp,
                "iat": claims.iat, "iss": claims.iss, "aud": claims.aud, "token_type": "Bearer", "jti": claims.jti,
                "roles": claims.roles,
            ]
            if let scope = claims.scope { answer["scope"] = scope }
            return answer
        }
        if token.count <= 200, let familyID = try await store.familyOfRefreshToken(hash: Random.sha256(token)),
           let family = try await store.family(id: familyID), !family.revoked, family.expiresAt > now {
            return ["active": true, "client_id": family.clientID, "sub": family.userID ?? "", "scope": family.scope,
                    "token_type": "refresh_token", "exp": Int(family.expiresAt.timeIntervalSince1970)]
        }
        return ["active": false]
    }

    /// RFC 7009: revoking a refresh token ends its family; an access token is marked revoked. Unknown tokens are
    /// not an error.
    public func revoke(token: String, client: ClientRecord, verifier: AccessTokenVerifier, now: Date = Date())
        async throws
    {
        if token.count <= 200, let familyID = try await store.familyOfRefreshToken(hash: Random.sha256(token)),
           let family = try await store.family(id: familyID), family.clientID == client.id {
            try await store.revokeFamily(id: familyID, reason: "revoked", now: now)
            return
        }
        if let claims = try? await verifier.verify(token), claims.client_id == client.id {
            try await store.revokeAccessToken(jti: claims.jti, now: now)
        }
    }

    /// RFC 8414 metadata.
    public var metadata: [String: Any] {
        let issuer = options.issuer
        return [
            "issuer": issuer,
            "authorization_endpoint": issuer + "/oauth/authorize",
            "token_endpoint": issuer + "/oauth/token",
            "jwks_uri": issuer + "/.well-known/jwks.json",
            "introspection_endpoint": issuer + "/oauth/introspect",
            "revocation_endpoint": issuer + "/oauth/revoke",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "scopes_supported": ["openid", "profile", "bookings", "shipments"],
            "ui_locales_supported": ["fr", "en"],
            "authorization_response_iss_parameter_supported": true,
        ]
    }
}
