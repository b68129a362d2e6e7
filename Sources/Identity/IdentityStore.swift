import Foundation
import SetragKernel

/// A user as the rest of identity sees it: personal fields already decrypted.
public struct UserRecord: Sendable, Equatable {
    public var id: String
    public var displayName: String
    public var email: String?
    public var phone: String?
    public var passwordHash: String
    public var locale: String
    public var status: String
    public var roles: Set<Role>
    public var createdAt: Date
}

public struct ClientRecord: Sendable, Equatable {
    public enum Kind: String, Sendable { case publicClient = "public", confidential }
    public var id: String
    public var name: String
    public var kind: Kind
    public var secretHash: String?
    public var redirectURIs: [String]
    public var grantTypes: Set<String>
    public var roles: Set<Role>
    public var organisationID: String?
    public var createdAt: Date
    public var createdBy: String?
    public var revoked: Bool
}

public struct CodeRecord: Sendable {
    public var familyID: String
    public var clientID: String
    public var userID: String
    public var redirectURI: String
    public var codeChallenge: String
    public var scope: String
    public var expiresAt: Date
}

public struct FamilyRecord: Sendable {
    public var id: String
    public var clientID: String
    public var userID: String?
    public var scope: String
    public var expiresAt: Date
    public var revoked: Bool
}

public struct SigningKeyRecord: Sendable {
    public var kid: String
    public var alg: String
    public var privateKey: Data
    public var publicX: String
    public var createdAt: Date
    public var retiredAt: Date?
}

public struct AuditEntry: Sendable, Codable, Equatable {
    public var id: UInt64?
    public var at: Date
    public var actor: String?
    public var action: String
    public var target: String?
    public var address: String?
    public var requestId: String?
    public var details: String?
}

/// What a code exchange found.
public enum CodeUse: Sendable {
    case fresh(CodeRecord)
    /// The code was used before: an attacker or a replay. Its family must be revoked.
    case replayed(familyID: String)
    case unknownOrExpired
}

/// What a refresh found.
public enum RefreshUse: Sendable {
    case fresh(FamilyRecord)
    /// A rotated-out refresh token came back: the family is compromised.
    case reused(familyID: String)
    case unknown
}

/// Identity's storage. The MySQL implementation is the one that runs; tests use it against the real server.
public protocol IdentityStore: Sendable {
    func createUser(_ user: UserRecord) async throws
    func user(id: String) async throws -> UserRecord?
    func user(username: Username) async throws -> UserRecord?
    func setRoles(userID: String, roles: Set<Role>, by actor: String?) async throws
    func setPassword(userID: String, hash: String) async throws

    func client(id: String) async throws -> ClientRecord?
    func saveClient(_ client: ClientRecord) async throws

    func createFamily(_ family: FamilyRecord) async throws
    func family(id: String) async throws -> FamilyRecord?
    func storeCode(hash: Data, _ code: CodeRecord) async throws
    func useCode(hash: Data, now: Date) async throws -> CodeUse
    func storeRefreshToken(hash: Data, familyID: String) async throws
    func useRefreshToken(hash: Data, now: Date) async throws -> RefreshUse
    func familyOfRefreshToken(hash: Data) async throws -> String?
    func revokeFamily(id: String, reason: String, now: Date) async throws
    func recordAccessToken(jti: String, familyID: String?, clientID: String, subject: String, expiresAt: Date)
        async throws
    func isAccessTokenActive(jti: String, now: Date) async throws -> Bool
    func revokeAccessToken(jti: String, now: Date) async throws

    func signingKeys() async throws -> [SigningKeyRecord]
    func addSigningKey(_ key: SigningKeyRecord) async throws
    func retireSigningKeys(except kid: String, now: Date) async throws

    func audit(_ entry: AuditEntry) async throws
    func auditEntries(limit: Int, actor: String?) async throws -> [AuditEntry]
}

public enum IdentityStoreError: Error { case duplicateUsername }
