import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SetragKernel
import SetragMySQL

/// The identity service: users, roles, OAuth clients and tokens, signing keys, the audit log.
///
/// Settings: `crypto.*` (see `FieldCrypto`), `identity.bcrypt_cost` (default 11), `identity.access_token_ttl`
/// (seconds, default 600), `identity.refresh_ttl` (absolute, seconds, default 30 days),
/// `identity.key_rotation_days` (default 30), `identity.key_activation_delay` (seconds a new key is published before
/// it signs, default 30), `identity.signin_window`, `identity.signin_max_per_account`,
/// `identity.signin_max_per_address`, and for `seed` the web client: `gateway.public_url`,
/// `gateway.oauth.client_id`, `gateway.oauth.client_secret`.
public enum IdentityModule {
    public static let definition = ModuleDefinition(
        name: "identity", needs: [.database], migrations: IdentityMigrations.all, seed: seed
    ) { settings in
        let options = Options(settings)
        return { context in try await start(context, options: options) }
    }

    public struct Options: Sendable {
        var crypto: FieldCrypto?
        var bcryptCost: Int
        var accessTTL: Int
        var refreshTTL: Int
        var rotationDays: Int
        var keyActivationDelay: Int
        var window: Int
        var perAccount: Int
        var perAddress: Int

        public init(_ settings: Settings) {
            crypto = FieldCrypto.from(settings)
            bcryptCost = settings.int("identity.bcrypt_cost", default: 11, range: 4...16)
            accessTTL = settings.int("identity.access_token_ttl", default: 600, range: 30...86_400)
            refreshTTL = settings.int("identity.refresh_ttl", default: 30 * 86_400, range: 300...(365 * 86_400))
            rotationDays = settings.int("identity.key_rotation_days", default: 30, range: 1...365)
            keyActivationDelay = settings.int("identity.key_activation_delay", default: 30, range: 0...86_400)
            window = settings.int("identity.signin_window", default: 900, range: 1...86_400)
            perAccount = settings.int("identity.signin_max_per_account", default: 5, range: 1...1000)
            perAddress = settings.int("identity.signin_max_per_address", default: 20, range: 1...100_000)
        }
    }

    /// Everything identity is made of, assembled once; the same function the tests call.
    public struct Parts: Sendable {
        public let store: any IdentityStore
        public let keys: KeyRing
        public let accounts: Accounts
        public let server: AuthorizationServer
        public let verifier: AccessTokenVerifier
    }

    public static func parts(database: any MySQLDatabase, options: Options, kernel: KernelSettings, logger: Logger)
        -> Parts
    {
        let store = MySQLIdentityStore(database: database, crypto: options.crypto!)
        let keys = KeyRing(store: store, rotationInterval: TimeInterval(options.rotationDays) * 86_400,
                           retiredKeyGrace: TimeInterval(options.accessTTL) * 2 + 3600,
                           activationDelay: TimeInterval(options.keyActivationDelay), logger: logger)
        let accounts = Accounts(
            store: store, bcryptCost: UInt8(options.bcryptCost),
            limiter: SignInLimiter(window: TimeInterval(options.window), perAccount: options.perAccount,
                                   perAddress: options.perAddress),
            logger: logger)
        var serverOptions = AuthorizationServer.Options(issuer: kernel.issuer, audience: kernel.audience)
        serverOptions.accessTokenLifetime = TimeInterval(options.accessTTL)
        serverOptions.refreshAbsoluteLifetime = TimeInterval(options.refreshTTL)
        let server = AuthorizationServer(store: store, keys: keys, options: serverOptions, logger: logger)
        // Identity checks its own tokens against its own key ring, without a network round trip.
        let verifier = AccessTokenVerifier(issuer: kernel.issuer, audience: kernel.audience, logger: logger,
                                           refetchInterval: .zero) {
            await keys.jwks()
        }
        return Parts(store: store, keys: keys, accounts: accounts, server: server, verifier: verifier)
    }

    public static func buildRouter(parts: Parts, context: ModuleContext) -> Router<AppContext> {
        let router = ServiceHTTP.router(kernel: context.kernel, verifier: parts.verifier, metrics: context.metrics,
                                        checks: context.readinessChecks)
        IdentityRoutes(accounts: parts.accounts, server: parts.server, keys: parts.keys, store: parts.store,
                       verifier: parts.verifier, secureCookies: context.kernel.issuer.hasPrefix("https://"))
            .register(on: router)
        return router
    }

    static func start(_ context: ModuleContext, options: Options) async throws -> [any Service] {
        let parts = parts(database: context.requireDatabase(), options: options, kernel: context.kernel,
                          logger: context.logger)
        try await parts.keys.rotateIfDue()
        let router = buildRouter(parts: parts, context: context)
        return [
            ServiceHTTP.application(name: "identity", router: router, address: context.endpoints.listen["identity"]!,
                                    kernel: context.kernel, logger: context.logger),
            keyRotation(keys: parts.keys, logger: context.logger),
        ]
    }

    /// The web client of the gateway (always), and with `--demo` one account per role.
    static func seed(_ context: ModuleContext, _ options: SeedOptions) async throws -> [String] {
        let settings = context.settings
        let moduleOptions = Options(settings)
        let publicURL = settings.string("gateway.public_url", default: "http://127.0.0.1:8080")
        let clientID = settings.string("gateway.oauth.client_id", default: "setrag-web")
        let clientSecret = settings.string("gateway.oauth.client_secret", secret: true)
        try settings.validate()
        let parts = parts(database: context.requireDatabase(), options: moduleOptions, kernel: context.kernel,
                          logger: context.logger)
        try await parts.keys.rotateIfDue()
        let existing = try await parts.store.client(id: clientID)
        try await parts.store.saveClient(ClientRecord(
            id: clientID, name: "SETRAG web (gateway)", kind: .confidential,
            secretHash: try await parts.accounts.hashPassword(clientSecret),
            redirectURIs: [publicURL + "/auth/callback"], grantTypes: ["authorization_code", "refresh_token"],
            roles: [], organisationID: nil, createdAt: existing?.createdAt ?? Date(), createdBy: nil, revoked: false))
        var lines = ["identity: web client \(clientID) -> \(publicURL)/auth/callback"]
        guard options.demo else { return lines }
        guard !context.kernel.isProduction else { throw SeedError.demoInProduction }
        let password = options.demoPassword ?? Random.token(12)
        let demo: [(Role, String, String)] = [
            (.customer, "client@demo.setrag.ga", "Client démo"),
            (.b2bMember, "pro@demo.setrag.ga", "Membre pro démo"),
            (.b2bAdmin, "pro-admin@demo.setrag.ga", "Admin pro démo"),
            (.agent, "agent@demo.setrag.ga", "Agent de guichet démo"),
            (.conductor, "controleur@demo.setrag.ga", "Contrôleur démo"),
            (.`operator`, "operateur@demo.setrag.ga", "Opérateur démo"),
            (.admin, "admin@demo.setrag.ga", "Administrateur démo"),
        ]
        for (role, email, name) in demo {
            if let user = try await parts.store.user(username: .email(email)) {
                try await parts.store.setRoles(userID: user.id, roles: [role], by: nil)
                let hash = try await parts.accounts.hashPassword(password)
                try await parts.store.setPassword(userID: user.id, hash: hash)
            } else {
                _ = try await parts.accounts.signUp(
                    .init(displayName: name, username: email, password: password, locale: "fr"), roles: [role],
                    checkPolicy: false)
            }
            lines.append("demo \(role.rawValue): \(email)")
        }
        lines.append(options.demoPassword == nil ? "demo password (shown once): \(password)"
                                                 : "demo password: from SETRAG_DEMO_PASSWORD")
        return lines
    }
}

public enum SeedError: Error, CustomStringConvertible {
    case demoInProduction
    public var description: String { "demo data is never created in production" }
}

/// Makes a new signing key when the current one is due, checked hourly.
func keyRotation(keys: KeyRing, logger: Logger) -> PeriodicJob {
    PeriodicJob("signing key rotation", every: .seconds(3600), firstAfterInterval: true, logger: logger) {
        try await keys.rotateIfDue()
    }
}
