import Foundation
import HummingbirdBcrypt
import Logging
import NIOPosix
import SetragKernel

/// Sign-up, sign-in and roles: the account rules, independent of HTTP.
public struct Accounts: Sendable {
    let store: any IdentityStore
    let bcryptCost: UInt8
    let limiter: SignInLimiter
    let logger: Logger

    public init(store: any IdentityStore, bcryptCost: UInt8, limiter: SignInLimiter, logger: Logger) {
        self.store = store
        self.bcryptCost = bcryptCost
        self.limiter = limiter
        self.logger = logger
    }

    public struct SignUp: JSONRequestBody {
        public static let fields: Set<String> = ["displayName", "username", "password", "locale"]
        public var displayName: String
        public var username: String
        public var password: String
        public var locale: String?
    }

    /// Checks every field and lists every problem at once.
    public func validate(_ request: SignUp) -> (Username?, [Problem.FieldError]) {
        var errors: [Problem.FieldError] = []
        let name = request.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { errors.append(.init(field: "displayName", code: "required")) }
        else if name.count > 80 { errors.append(.init(field: "displayName", code: "too-long")) }
        else if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            errors.append(.init(field: "displayName", code: "invalid"))
        }
        let username = Username.parse(request.username)
        if request.username.trimmingCharacters(in: .whitespaces).isEmpty {
            errors.append(.init(field: "username", code: "required"))
        } else if username == nil {
            errors.append(.init(field: "username", code: "invalid-email-or-phone"))
        }
        if let problem = PasswordPolicy.check(request.password, username: username?.value) {
            errors.append(.init(field: "password", code: problem.rawValue))
        }
        if let locale = request.locale, !["fr", "en"].contains(locale) {
            errors.append(.init(field: "locale", code: "unsupported"))
        }
        return (username, errors)
    }

    public func signUp(_ request: SignUp, roles: Set<Role> = [.customer], checkPolicy: Bool = true) async throws
        -> UserRecord
    {
        var (username, errors) = validate(request)
        if !checkPolicy { errors.removeAll { $0.field == "password" && $0.code == PasswordPolicy.Problem.common.rawValue } }
        guard let username, errors.isEmpty else { throw ProblemError.validation(errors) }
        let hash = try await hashPassword(request.password)
        var email: String?
        var phone: String?
        switch username {
        case .email(let e): email = e
        case .phone(let p): phone = p
        }
        let user = UserRecord(
            id: Random.id("usr"), displayName: request.displayName.trimmingCharacters(in: .whitespacesAndNewlines),
            email: email, phone: phone, passwordHash: hash, locale: request.locale ?? "fr", status: "active",
            roles: roles, createdAt: Date())
        do {
            try await store.createUser(user)
        } catch IdentityStoreError.duplicateUsername {
            throw IdentityError.usernameTaken
        }
        return user
    }

    public func hashPassword(_ password: String) async throws -> String {
        let input = PasswordPolicy.bcryptInput(password)
        let cost = bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(input, cost: cost) }
    }

    public func verifyPassword(_ password: String, hash: String) async throws -> Bool {
        let input = PasswordPolicy.bcryptInput(password)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(input, hash: hash) }
    }

    public enum SignInResult: Sendable {
        case success(UserRecord)
        case wrongCredentials
        case throttled(retryAfter: Int)
    }

    /// Checks a sign-in, limited per account and per address, and writes the audit log either way.
    public func signIn(username raw: String, password: String, address: String?, requestID: String?) async throws
        -> SignInResult
    {
        let account = Username.parse(raw)?.value ?? raw.lowercased()
        if let wait = await limiter.retryAfter(account: account, address: address ?? "unknown") {
            try await store.audit(AuditEntry(at: Date(), actor: nil, action: "sign_in_throttled", target: nil,
                                             address: address, requestId: requestID, details: nil))
            return .throttled(retryAfter: wait)
        }
        var user: UserRecord?
        if let username = Username.parse(raw) { user = try await store.user(username: username) }
        // A missing account costs as much time as a wrong password, so timing tells nothing.
        let hash = user?.passwordHash ?? Self.decoyHash
        let matches = try await verifyPassword(password, hash: hash)
        guard let user, matches, user.status == "active" else {
            await limiter.failed(account: account, address: address ?? "unknown")
            try await store.audit(AuditEntry(at: Date(), actor: user?.id, action: "sign_in_failed", target: nil,
                                             address: address, requestId: requestID, details: nil))
            return .wrongCredentials
        }
        await limiter.succeeded(account: account)
        try await store.audit(AuditEntry(at: Date(), actor: user.id, action: "sign_in", target: nil,
                                         address: address, requestId: requestID, details: nil))
        return .success(user)
    }

    static let decoyHash = Bcrypt.hash("setrag-decoy-password", cost: 10)
}

/// Failed sign-ins per account and per address in a sliding window. Past the limit, sign-in waits.
public actor SignInLimiter {
    let window: TimeInterval
    let perAccount: Int
    let perAddress: Int
    var accounts: [String: [Date]] = [:]
    var addresses: [String: [Date]] = [:]

    public init(window: TimeInterval = 900, perAccount: Int = 5, perAddress: Int = 20) {
        self.window = window
        self.perAccount = perAccount
        self.perAddress = perAddress
    }

    func prune(_ list: [Date]?, now: Date) -> [Date] { (list ?? []).filter { now.timeIntervalSince($0) < window } }

    public func retryAfter(account: String, address: String, now: Date = Date()) -> Int? {
        let a = prune(accounts[account], now: now)
        let b = prune(addresses[address], now: now)
        accounts[account] = a.isEmpty ? nil : a
        addresses[address] = b.isEmpty ? nil : b
        var waits: [TimeInterval] = []
        if a.count >= perAccount, let oldest = a.first { waits.append(window - now.timeIntervalSince(oldest)) }
        if b.count >= perAddress, let oldest = b.first { waits.append(window - now.timeIntervalSince(oldest)) }
        guard let wait = waits.max() else { return nil }
        return max(1, Int(wait.rounded(.up)))
    }

    public func failed(account: String, address: String, now: Date = Date()) {
        accounts[account, default: []].append(now)
        addresses[address, default: []].append(now)
        if accounts.count > 100_000 { accounts.removeAll() }
        if addresses.count > 100_000 { addresses.removeAll() }
    }

    public func succeeded(account: String) { accounts[account] = nil }
}
