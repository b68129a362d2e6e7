import Foundation
import Hummingbird
import SetragKernel
import Synchronization

/// Token buckets per client and class, in memory. Tokens refill continuously at the class's rate up to its burst;
/// a bucket that has refilled completely is the same as no bucket, so idle ones are dropped when the table is full.
final class QuotaBuckets: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: Double
    }

    struct Decision: Equatable {
        var allowed: Bool
        /// Whole seconds until one token is back (≥ 1) when refused.
        var retryAfter: Int
    }

    let rules: [QuotaClass: QuotaRule]
    let capacity: Int
    let now: @Sendable () -> Double
    private let buckets = Mutex<[QuotaClass: [String: Bucket]]>([:])

    init(rules: [QuotaClass: QuotaRule], capacity: Int,
         now: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.rules = rules
        self.capacity = capacity
        self.now = now
    }

    func take(_ key: String, class quotaClass: QuotaClass) -> Decision {
        let rule = rules[quotaClass] ?? QuotaRule.defaults[quotaClass]!
        let perSecond = Double(rule.ratePerMinute) / 60
        let burst = Double(rule.burst)
        let time = now()
        return buckets.withLock { all in
            // Mutated in place: copying the class's table out and back would cost O(clients) per request.
            Self.take(key, from: &all[quotaClass, default: [:]], time: time, perSecond: perSecond, burst: burst,
                      capacity: capacity)
        }
    }

    private static func take(_ key: String, from table: inout [String: Bucket], time: Double, perSecond: Double,
                             burst: Double, capacity: Int) -> Decision {
            var bucket = table[key] ?? Bucket(tokens: burst, updated: time)
            bucket.tokens = min(burst, bucket.tokens + (time - bucket.updated) * perSecond)
            bucket.updated = time
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                if table[key] == nil, table.count >= capacity {
                    evict(&table, time: time, perSecond: perSecond, burst: burst, capacity: capacity)
                }
                table[key] = bucket
                return Decision(allowed: true, retryAfter: 0)
            }
            table[key] = bucket
            let wait = (1 - bucket.tokens) / perSecond
            return Decision(allowed: false, retryAfter: max(1, Int(wait.rounded(.up))))
    }

    /// Drops buckets that are full again; when none is, drops the half that was used longest ago.
    private static func evict(_ table: inout [String: Bucket], time: Double, perSecond: Double, burst: Double,
                              capacity: Int) {
        table = table.filter { $0.value.tokens + (time - $0.value.updated) * perSecond < burst }
        if table.count >= capacity {
            let keep = table.sorted { $0.value.updated > $1.value.updated }.prefix(capacity / 2)
            table = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }

    var count: Int { buckets.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// Which class a request counts against.
    static func quotaClass(method: HTTPRequest.Method, path: String) -> QuotaClass {
        if path.hasPrefix("/auth/") || path == "/oauth/token" || (method == .post && path == "/oauth/authorize") {
            return .auth
        }
        if path.hasPrefix("/api/v1/payments/callbacks/") { return .callback }
        return method == .get || method == .head ? .read : .write
    }
}

/// Counts each request against its caller's bucket: the verified token's subject, else the session's user, else
/// the client's address. Health probes are not counted.
struct QuotaMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let buckets: QuotaBuckets

    static let exempt: Set<String> = ["/healthz", "/readyz", "/metrics"]

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        let path = request.uri.path
        guard !Self.exempt.contains(path) else { return try await next(request, context) }
        let key: String
        if let principal = context.principal {
            key = "sub:" + principal.subject
        } else {
            key = "ip:" + (context.clientAddress ?? "unknown")
        }
        let decision = buckets.take(key, class: QuotaBuckets.quotaClass(method: request.method, path: path))
        guard decision.allowed else {
            context.logger.info("quota exceeded", metadata: ["key": "\(key)"])
            throw GatewayError.quotaExceeded(retryAfter: decision.retryAfter)
        }
        return try await next(request, context)
    }
}
