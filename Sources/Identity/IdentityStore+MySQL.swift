import Foundation
import SQLKit
import SetragKernel
import SetragMySQL

/// Identity's tables in MySQL. Personal fields are sealed with `FieldCrypto`, bound to their row and column;
/// lookups go through keyed hashes.
public struct MySQLIdentityStore: IdentityStore {
    let db: any MySQLDatabase
    let crypto: FieldCrypto

    public init(database: any MySQLDatabase, crypto: FieldCrypto) {
        self.db = database
        self.crypto = crypto
    }

    func context(_ userID: String, _ column: String) -> String { "users:\(userID):\(column)" }

    func emailHash(_ email: String) -> Data { crypto.lookupHash(email.lowercased(), purpose: "email") }
    func phoneHash(_ phone: String) -> Data { crypto.lookupHash(phone, purpose: "phone") }

    // MARK: users

    public func createUser(_ user: UserRecord) async throws {
        let name = try crypto.seal(user.displayName, context: context(user.id, "display_name"))
        let email = try user.email.map { try crypto.seal($0, context: context(user.id, "email")) }
        let phone = try user.phone.map { try crypto.seal($0, context: context(user.id, "phone")) }
        let emailHash = user.email.map(emailHash)
        let phoneHash = user.phone.map(phoneHash)
        do {
            try await db.withTransaction { tx in
                _ = try await tx.exec(SQLQueryString("""
                    INSERT INTO users (id, display_name_enc, email_enc, email_hash, phone_enc, phone_hash,
                        password_hash, locale, status, created_at, updated_at)
                    VALUES (\(bind: user.id), \(bind: name), \(bind: email), \(bind: emailHash), \(bind: phone),
                        \(bind: phoneHash), \(bind: user.passwordHash), \(bind: user.locale), \(bind: user.status),
                        \(bind: user.createdAt), \(bind: user.createdAt))
                    """))
                for role in user.roles.sorted() {
                    _ = try await tx.exec(SQLQueryString("""
                        INSERT INTO user_roles (user_id, role, granted_at) VALUES (\(bind: user.id), \(bind: role.rawValue),
                            \(bind: user.createdAt))
                        """))
                }
            }
        } catch MySQLError.duplicateKey {
            throw IdentityStoreError.duplicateUsername
        }
    }

    struct UserRow: Decodable {
        let id: String
        let display_name_enc: Data
        let email_enc: Data?
        let phone_enc: Data?
        let password_hash: String
        let locale: String
        let status: String
        let created_at: Date
    }

    struct RoleRow: Decodable { let role: String }

    func decode(_ row: UserRow) async throws -> UserRecord {
        let roles = try await db.raw("SELECT role FROM user_roles WHERE user_id = \(bind: row.id)")
            .all(decoding: RoleRow.self)
        return UserRecord(
            id: row.id,
            displayName: try crypto.open(row.display_name_enc, context: context(row.id, "display_name")),
            email: try row.email_enc.map { try crypto.open($0, context: context(row.id, "email")) },
            phone: try row.phone_enc.map { try crypto.open($0, context: context(row.id, "phone")) },
            passwordHash: row.password_hash, locale: row.locale, status: row.status,
            roles: Set(roles.compactMap { Role(rawValue: $0.role) }), createdAt: row.created_at)
    }

    static let userColumns = "id, display_name_enc, email_enc, phone_enc, password_hash, locale, status, created_at"

    public func user(id: String) async throws -> UserRecord? {
        guard let row = try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE id = \(bind: id)")
            .first(decoding: UserRow.self) else { return nil }
        return try await decode(row)
    }

    public func user(username: Username) async throws -> UserRecord? {
        let query: SQLQueryString
        switch username {
        case .email(let email):
            query = "SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE email_hash = \(bind: emailHash(email))"
        case .phone(let phone):
            query = "SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE phone_hash = \(bind: phoneHash(phone))"
        }
        guard let row = try await db.raw(query).first(decoding: UserRow.self) else { return nil }
        return try await decode(row)
    }

    public func setRoles(userID: String, roles: Set<Role>, by actor: String?) async throws {
        let now = Date()
        try await db.withTransaction { tx in
            _ = try await tx.exec(SQLQueryString("DELETE FROM user_roles WHERE user_id = \(bind: userID)"))
            for role in roles.sorted() {
                _ = try await tx.exec(SQLQueryString("""
                    INSERT INTO user_roles (user_id, role, granted_at, granted_by)
                    VALUES (\(bind: userID), \(bind: role.rawValue), \(bind: now), \(bind: actor))
                    """))
            }
        }
    }

    public func setPassword(userID: String, hash: String) async throws {
        _ = try await db.exec(SQLQueryString(
            "UPDATE users SET password_hash = \(bind: hash), updated_at = \(bind: Date()) WHERE id = \(bind: userID)"))
    }

    // MARK: clients

    struct ClientRow: Decodable {
        let id: String
        let name: String
        let kind: String
        let secret_hash: String?
        let redirect_uris: String
        let grant_types: String
        let roles: String
        let organisation_id: String?
        let created_at: Date
        let created_by: String?
        let revoked_at: Date?
    }

    public func client(id: String) async throws -> ClientRecord? {
        guard let row = try await db.raw("SELECT * FROM oauth_clients WHERE id = \(bind: id)")
            .first(decoding: ClientRow.self) else { return nil }
        return ClientRecord(
            id: row.id, name: row.name, kind: ClientRecord.Kind(rawValue: row.kind) ?? .publicClient,
            secretHash: row.secret_hash,
            redirectURIs: row.redirect_uris.split(separator: "\n").map(String.init),
            grantTypes: Set(row.grant_types.split(separator: " ").map(String.init)),
            roles: Set(row.roles.split(separator: " ").compactMap { Role(rawValue: String($0)) }),
            organisationID: row.organisation_id, createdAt: row.created_at, createdBy: row.created_by,
            revoked: row.revoked_at != nil)
    }

    public func saveClient(_ c: ClientRecord) async throws {
        let uris = c.redirectURIs.joined(separator: "\n")
        let grants = c.grantTypes.sorted().joined(separator: " ")
        let roles = c.roles.sorted().map(\.rawValue).joined(separator: " ")
        let revokedAt: Date? = c.revoked ? Date() : nil
        _ = try await db.exec(SQLQueryString("""
            INSERT INTO oauth_clients (id, name, kind, secret_hash, redirect_uris, grant_types, roles,
                organisation_id, created_at, created_by, revoked_at)
            VALUES (\(bind: c.id), \(bind: c.name), \(bind: c.kind.rawValue), \(bind: c.secretHash), \(bind: uris),
                \(bind: grants), \(bind: roles), \(bind: c.organisationID), \(bind: c.createdAt), \(bind: c.createdBy),
                \(bind: revokedAt))
            ON DUPLICATE KEY UPDATE name = VALUES(name), kind = VALUES(kind), secret_hash = VALUES(secret_hash),
                redirect_uris = VALUES(redirect_uris), grant_types = VALUES(grant_types), roles = VALUES(roles),
                revoked_at = VALUES(revoked_at)
            """))
    }

    // MARK: token families, codes, refresh and access tokens

    public func createFamily(_ f: FamilyRecord) async throws {
        _ = try await db.exec(SQLQueryString("""
            INSERT INTO token_families (id, client_id, user_id, scope, created_at, expires_at)
            VALUES (\(bind: f.id), \(bind: f.clientID), \(bind: f.userID), \(bind: f.scope), \(bind: Date()),
                \(bind: f.expiresAt))
            """))
    }

    struct FamilyRow: Decodable {
        let id: String
        let client_id: String
        let user_id: String?
        let scope: String
        let expires_at: Date
        let revoked_at: Date?
    }

    public func family(id: String) async throws -> FamilyRecord? {
        guard let row = try await db.raw("""
            SELECT id, client_id, user_id, scope, expires_at, revoked_at FROM token_families WHERE id = \(bind: id)
            """).first(decoding: FamilyRow.self) else { return nil }
        return FamilyRecord(id: row.id, clientID: row.client_id, userID: row.user_id, scope: row.scope,
                            expiresAt: row.expires_at, revoked: row.revoked_at != nil)
    }

    public func storeCode(hash: Data, _ code: CodeRecord) async throws {
        _ = try await db.exec(SQLQueryString("""
            INSERT INTO authorization_codes (code_hash, family_id, client_id, user_id, redirect_uri, code_challenge,
                scope, expires_at)
            VALUES (\(bind: hash), \(bind: code.familyID), \(bind: code.clientID), \(bind: code.userID),
                \(bind: code.redirectURI), \(bind: code.codeChallenge), \(bind: code.scope), \(bind: code.expiresAt))
            """))
    }

    struct CodeRow: Decodable {
        let family_id: String
        let client_id: String
        let user_id: String
        let redirect_uri: String
        let code_challenge: String
        let scope: String
        let expires_at: Date
        let used_at: Date?
    }

    public func useCode(hash: Data, now: Date) async throws -> CodeUse {
        guard let row = try await db.raw("""
            SELECT family_id, client_id, user_id, redirect_uri, code_challenge, scope, expires_at, used_at
            FROM authorization_codes WHERE code_hash = \(bind: hash)
            """).first(decoding: CodeRow.self) else { return .unknownOrExpired }
        // One conditional write decides which of two racing exchanges wins.
        let result = try await db.exec(SQLQueryString("""
            UPDATE authorization_codes SET used_at = \(bind: now) WHERE code_hash = \(bind: hash) AND used_at IS NULL
            """))
        if result.affectedRows == 0 { return .replayed(familyID: row.family_id) }
        guard row.expires_at > now else { return .unknownOrExpired }
        return .fresh(CodeRecord(familyID: row.family_id, clientID: row.client_id, userID: row.user_id,
                                 redirectURI: row.redirect_uri, codeChallenge: row.code_challenge, scope: row.scope,
                                 expiresAt: row.expires_at))
    }

    public func storeRefreshToken(hash: Data, familyID: String) async throws {
        _ = try await db.exec(SQLQueryString("""
            INSERT INTO refresh_tokens (token_hash, family_id, created_at) VALUES (\(bind: hash), \(bind: familyID),
                \(bind: Date()))
            """))
    }

    struct RefreshRow: Decodable { let family_id: String }

    public func familyOfRefreshToken(hash: Data) async throws -> String? {
        try await db.raw("SELECT family_id FROM refresh_tokens WHERE token_hash = \(bind: hash)")
            .first(decoding: RefreshRow.self)?.family_id
    }

    public func useRefreshToken(hash: Data, now: Date) async throws -> RefreshUse {
        guard let familyID = try await familyOfRefreshToken(hash: hash) else { return .unknown }
        let result = try await db.exec(SQLQueryString("""
            UPDATE refresh_tokens SET used_at = \(bind: now) WHERE token_hash = \(bind: hash) AND used_at IS NULL
            """))
        if result.affectedRows == 0 { return .reused(familyID: familyID) }
        guard let family = try await family(id: familyID) else { return .unknown }
        return .fresh(family)
    }

    public func revokeFamily(id: String, reason: String, now: Date) async throws {
        try await db.withTransaction { tx in
            _ = try await tx.exec(SQLQueryString("""
                UPDATE token_families SET revoked_at = \(bind: now), revoked_reason = \(bind: reason)
                WHERE id = \(bind: id) AND revoked_at IS NULL
                """))
            _ = try await tx.exec(SQLQueryString("""
                UPDATE access_tokens SET revoked_at = \(bind: now) WHERE family_id = \(bind: id) AND revoked_at IS NULL
                """))
        }
    }

    public func recordAccessToken(jti: String, familyID: String?, clientID: String, subject: String, expiresAt: Date)
        async throws
    {
        _ = try await db.exec(SQLQueryString("""
            INSERT INTO access_tokens (jti, family_id, client_id, subject, expires_at)
            VALUES (\(bind: jti), \(bind: familyID), \(bind: clientID), \(bind: subject), \(bind: expiresAt))
            """))
    }

    struct ActiveRow: Decodable { let n: Int }

    public func isAccessTokenActive(jti: String, now: Date) async throws -> Bool {
        let row = try await db.raw("""
            SELECT COUNT(*) AS n FROM access_tokens
            WHERE jti = \(bind: jti) AND revoked_at IS NULL AND expires_at > \(bind: now)
            """).first(decoding: ActiveRow.self)
        return (row?.n ?? 0) > 0
    }

    public func revokeAccessToken(jti: String, now: Date) async throws {
        _ = try await db.exec(SQLQueryString("""
            UPDATE access_tokens SET revoked_at = \(bind: now) WHERE jti = \(bind: jti) AND revoked_at IS NULL
            """))
    }

    // MARK: signing keys

    struct KeyRow: Decodable {
        let kid: String
        let alg: String
        let private_key_enc: Data
        let public_x: String
        let created_at: Date
        let retired_at: Date?
    }

    public func signingKeys() async throws -> [SigningKeyRecord] {
        try await db.raw("SELECT * FROM signing_keys ORDER BY created_at DESC").all(decoding: KeyRow.self).map {
            SigningKeyRecord(kid: $0.kid, alg: $0.alg,
                             privateKey: Data(try crypto.open($0.private_key_enc, context: "signing_keys:\($0.kid)")
                                 .utf8),
                             publicX: $0.public_x, createdAt: $0.created_at, retiredAt: $0.retired_at)
        }
    }

    public func addSigningKey(_ key: SigningKeyRecord) async throws {
        let sealed = try crypto.seal(String(decoding: key.privateKey, as: UTF8.self), context: "signing_keys:\(key.kid)")
        _ = try await db.exec(SQLQueryString("""
            INSERT INTO signing_keys (kid, alg, private_key_enc, public_x, created_at)
            VALUES (\(bind: key.kid), \(bind: key.alg), \(bind: sealed), \(bind: key.publicX), \(bind: key.createdAt))
            """))
    }

    public func retireSigningKeys(except kid: String, now: Date) async throws {
        _ = try await db.exec(SQLQueryString("""
            UPDATE signing_keys SET retired_at = \(bind: now) WHERE kid <> \(bind: kid) AND retired_at IS NULL
            """))
    }

    // MARK: audit

    public func audit(_ e: AuditEntry) async throws {
        _ = try await db.exec(SQLQueryString("""
            INSERT INTO audit_log (at, actor, action, target, address, request_id, details)
            VALUES (\(bind: e.at), \(bind: e.actor), \(bind: e.action), \(bind: e.target), \(bind: e.address),
                \(bind: e.requestId), \(bind: e.details))
            """))
    }

    struct AuditRow: Decodable {
        let id: UInt64
        let at: Date
        let actor: String?
        let action: String
        let target: String?
        let address: String?
        let request_id: String?
        let details: String?
    }

    public func auditEntries(limit: Int, actor: String?) async throws -> [AuditEntry] {
        let query: SQLQueryString = actor.map {
            "SELECT * FROM audit_log WHERE actor = \(bind: $0) ORDER BY id DESC LIMIT \(bind: limit)"
        } ?? "SELECT * FROM audit_log ORDER BY id DESC LIMIT \(bind: limit)"
        return try await db.raw(query).all(decoding: AuditRow.self).map {
            AuditEntry(id: $0.id, at: $0.at, actor: $0.actor, action: $0.action, target: $0.target,
                       address: $0.address, requestId: $0.request_id, details: $0.details)
        }
    }
}
