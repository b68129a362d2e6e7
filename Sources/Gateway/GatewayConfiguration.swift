import Crypto
import Foundation
import SetragKernel

/// The classes of requests that quotas count separately.
public enum QuotaClass: String, Sendable, CaseIterable {
    /// `/auth/*`, `POST /oauth/token`, `POST /oauth/authorize`: sign-in attempts.
    case auth
    /// Every other request that is not a GET or HEAD.
    case write
    /// GET and HEAD.
    case read
    /// Payment providers' callbacks (`/api/v1/payments/callbacks/*`, authenticated by their signature): counted
    /// apart, so that nobody's other requests from the same address can hold back a payment's confirmation.
    case callback
}

/// A token bucket's shape: tokens refill at `ratePerMinute`, up to `burst`.
public struct QuotaRule: Sendable, Equatable {
    public var ratePerMinute: Int
    public var burst: Int

    public init(ratePerMinute: Int, burst: Int) {
        self.ratePerMinute = ratePerMinute
        self.burst = burst
    }

    static let defaults: [QuotaClass: QuotaRule] = [
        .auth: QuotaRule(ratePerMinute: 10, burst: 20),
        .write: QuotaRule(ratePerMinute: 60, burst: 60),
        .read: QuotaRule(ratePerMinute: 600, burst: 300),
        .callback: QuotaRule(ratePerMinute: 600, burst: 300),
    ]
}

/// The gateway's settings, all read at once; every problem is noted on `Settings`, none thrown.
///
/// | key | default |
/// |---|---|
/// | `gateway.public_url` | `http://127.0.0.1:8080` |
/// | `gateway.session_key` | required: 32 random bytes in base64 (encrypts the session cookies) |
/// | `gateway.oauth.client_id` | `setrag-web` |
/// | `gateway.oauth.client_secret` | required (secret) |
/// | `gateway.web_root` | `web/dist` (relative to the working directory) |
/// | `gateway.quota.<auth,write,read,callback>.rate_per_minute`, `.burst` | 10/20, 60/60, 600/300, 600/300 |
/// | `gateway.quota.max_clients` | 100000 buckets kept in memory per class |
/// | `gateway.cors.origins` | empty (same origin only); comma-separated origins |
/// | `gateway.upstream_timeout` | 25 seconds until an upstream answers with its head |
/// | `gateway.trusted_proxies` | empty; addresses whose `X-Forwarded-For` is believed |
/// | `gateway.map_tiles_origin` | none; the origin of the live map's tile server (`https://tiles.example.ga`), allowed as an image source |
/// | `gateway.fast_path` | true: anonymous GETs from non-browsers are proxied by a channel handler (`FastProxy`) |
public struct GatewayConfiguration: Sendable {
    /// The URL the public uses, without a trailing slash (`https://setrag.ga`).
    public var publicURL: String
    /// `scheme://host[:port]` of `publicURL`.
    public var publicOrigin: String
    public var secureCookies: Bool
    public var sessionKey: SymmetricKey
    public var clientID: String
    public var clientSecret: String
    public var webRoot: String
    public var quotas: [QuotaClass: QuotaRule]
    public var maxTrackedClients: Int
    public var corsOrigins: Set<String>
    public var upstreamTimeout: Duration
    public var trustedProxies: Set<String>
    /// Whether the public port answers `/metrics` (default no: Prometheus scrapes the services' internal ports).
    public var publicMetrics: Bool
    /// Whether anonymous GETs and HEADs from clients that are not browsers take the proxy's short path.
    public var fastPath: Bool
    /// The live map's tile server in production (its origin), allowed by the pages' CSP.
    public var mapTilesOrigin: String?

    public init(_ settings: Settings) {
        let url = settings.string("gateway.public_url", default: "http://127.0.0.1:8080")
        let origin = Self.origin(of: url)
        if origin == nil { settings.invalid("gateway.public_url", "must be an http(s) URL, not \"\(url)\"") }
        publicOrigin = origin ?? "http://127.0.0.1:8080"
        publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        secureCookies = publicOrigin.hasPrefix("https://")

        let key = settings.key("gateway.session_key", bytes: 32)
        sessionKey = key.map { SymmetricKey(data: $0) } ?? SymmetricKey(size: .bits256)
        clientID = settings.string("gateway.oauth.client_id", default: "setrag-web")
        clientSecret = settings.string("gateway.oauth.client_secret", secret: true)
        webRoot = settings.string("gateway.web_root", default: "web/dist")

        var quotas: [QuotaClass: QuotaRule] = [:]
        for quotaClass in QuotaClass.allCases {
            let fallback = QuotaRule.defaults[quotaClass]!
            let prefix = "gateway.quota.\(quotaClass.rawValue)"
            quotas[quotaClass] = QuotaRule(
                ratePerMinute: settings.int("\(prefix).rate_per_minute", default: fallback.ratePerMinute,
                                            range: 1...1_000_000),
                burst: settings.int("\(prefix).burst", default: fallback.burst, range: 1...1_000_000)
            )
        }
        self.quotas = quotas
        maxTrackedClients = settings.int("gateway.quota.max_clients", default: 100_000, range: 100...10_000_000)

        var origins: Set<String> = []
        for entry in (settings.optionalString("gateway.cors.origins") ?? "").split(separator: ",") {
            let text = entry.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            if let origin = Self.origin(of: text), origin == text.lowercased() {
                origins.insert(origin)
            } else {
                settings.invalid("gateway.cors.origins",
                                 "must list origins like https://pro.setrag.ga, not \"\(text)\"")
            }
        }
        corsOrigins = origins
        upstreamTimeout = settings.seconds("gateway.upstream_timeout", default: 25, range: 0.1...3600)
        trustedProxies = Set((settings.optionalString("gateway.trusted_proxies") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        publicMetrics = settings.bool("gateway.public_metrics", default: false)
        fastPath = settings.bool("gateway.fast_path", default: true)
        mapTilesOrigin = settings.optionalString("gateway.map_tiles_origin").flatMap { text in
            guard let origin = Self.origin(of: text), origin == text.lowercased() else {
                settings.invalid("gateway.map_tiles_origin", "must be an origin like https://tiles.example.ga")
                return nil
            }
            return origin
        }
    }

    /// `scheme://host[:port]` in lower case, the default port left out; nil unless an http(s) URL with a host.
    static func origin(of text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              ["http", "https"].contains(scheme), let host = components.host?.lowercased(), !host.isEmpty,
              components.user == nil, components.query == nil, components.fragment == nil else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        if let port = components.port, port != defaultPort { return "\(scheme)://\(host):\(port)" }
        return "\(scheme)://\(host)"
    }

    /// The URL identity sends the browser back to after sign-in.
    var callbackURL: String { publicURL + "/auth/callback" }
}
