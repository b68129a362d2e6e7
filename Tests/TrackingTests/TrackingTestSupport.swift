import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Inventory
import NIOCore
import Prometheus
import SQLKit
import SetragKernel
import SetragMySQL
import SetragTesting
import Synchronization
import Testing
@testable import Tracking

/// A clock the tests move; tracking's routes read it.
final class TestClock: Sendable {
    let offset = Mutex<TimeInterval>(0)
    func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    func advance(seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}

/// Signs access tokens the way identity does (Ed25519, `typ: at+jwt`), for a verifier fed with its key set.
struct Signer: Sendable {
    let key = Curve25519.Signing.PrivateKey()
    let kid = "tracking-test"

    var jwks: String {
        let x = key.publicKey.rawRepresentation.base64URLEncodedString()
        return #"{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":"\#(kid)","x":"\#(x)"}]}"#
    }

    func token(_ subject: String, _ roles: Role...) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        let header: [String: Any] = ["alg": "EdDSA", "typ": "at+jwt", "kid": kid]
        let claims: [String: Any] = [
            "iss": "http://127.0.0.1:8080", "sub": subject, "aud": ["setrag-api"], "exp": now + 600, "iat": now,
            "jti": "at_\(UUID().uuidString)", "client_id": "setrag-web", "roles": roles.map(\.rawValue),
        ]
        let h = try JSONSerialization.data(withJSONObject: header).base64URLEncodedString()
        let p = try JSONSerialization.data(withJSONObject: claims).base64URLEncodedString()
        let signature = try key.signature(for: Data("\(h).\(p)".utf8))
        return "\(h).\(p).\(Data(signature).base64URLEncodedString())"
    }
}

struct Answer {
    let status: HTTPResponse.Status
    let contentType: String?
    let body: [String: Any]

    subscript(_ key: String) -> Any? { body[key] }
    func objects(_ key: String) -> [[String: Any]] { body[key] as? [[String: Any]] ?? [] }
    /// `field:code` of each error of a problem answer.
    var errors: Set<String> {
        Set(objects("errors").map { "\($0["field"] as? String ?? ""):\($0["code"] as? String ?? "")" })
    }
    var problemType: String? { (body["type"] as? String)?.replacingOccurrences(of: ProblemType.base, with: "") }
}

/// Tracking through its real router, against a fresh database on the real MariaDB, reading the line and trips from
/// a real inventory that listens on a loopback port with its own fresh database, seeded by the real `setrag seed`
/// step from the repository's `data/` directory.
struct TrackingFixture: Sendable {
    static let dataDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data")

    let inventoryDB: TestDatabase
    let trackingDB: TestDatabase
    let parts: TrackingModule.Parts
    let registry: PrometheusCollectorRegistry
    let signer: Signer
    let clock: TestClock
    /// What tracking logged (audit lines, its own and its routes').
    let logs: LogCapture

    /// Runs `test` with tracking's settings plus `settings` (dotted keys).
    static func run(settings extra: [String: String] = [:],
                    _ test: @escaping @Sendable (TrackingFixture, any TestClientProtocol) async throws -> Void)
        async throws
    {
        let clock = TestClock()
        let signer = Signer()
        let inventoryDB = try await TestEnvironment.freshDatabase("tinv")
        let trackingDB: TestDatabase
        do {
            trackingDB = try await TestEnvironment.freshDatabase("tracking")
        } catch {
            await inventoryDB.drop()
            throw error
        }
        do {
            try await inventoryDB.migrate(InventoryModule.definition.migrations)
            let inventorySettings = TestEnvironment.settings([
                "inventory.data_dir": dataDirectory.path, "inventory.weeks_ahead": "1",
            ])
            let inventoryContext = TestEnvironment.moduleContext(name: "inventory", settings: inventorySettings,
                                                                 database: inventoryDB.pool)
            _ = try await InventoryModule.definition.seed!(inventoryContext,
                                                           SeedOptions(demo: false, demoPassword: nil))
            let inventoryRouter = InventoryModule.buildRouter(parts: InventoryModule.parts(database: inventoryDB.pool),
                                                              context: inventoryContext)
            try await Application(router: inventoryRouter).test(.live) { inventoryClient in
                let port = try #require(inventoryClient.port)
                try await trackingDB.migrate(TrackingModule.definition.migrations)
                let settings = TestEnvironment.settings(
                    ["inventory.url": "http://localhost:\(port)"].merging(extra) { $1 })
                let jwks = signer.jwks
                let context = TestEnvironment.moduleContext(name: "tracking", settings: settings,
                                                            database: trackingDB.pool, jwks: { jwks })
                let options = TrackingModule.Options(settings)
                try settings.validate()
                let registry = PrometheusCollectorRegistry()
                let link = HTTPInventoryLink(baseURL: context.endpoints.url("inventory"), http: HTTPClient.shared,
                                             logger: context.logger)
                let logs = LogCapture()
                let parts = TrackingModule.parts(database: trackingDB.pool, inventory: link, options: options,
                                                 metrics: PrometheusMetricsFactory(registry: registry),
                                                 logger: logs.logger)
                try await TrackingModule.maintainer(parts: parts, logger: context.logger).maintain(now: clock.now())
                let fixture = TrackingFixture(inventoryDB: inventoryDB, trackingDB: trackingDB, parts: parts,
                                              registry: registry, signer: signer, clock: clock, logs: logs)
                let router = TrackingModule.buildRouter(parts: parts, context: context, now: clock.now)
                try await Application(router: router, logger: logs.logger).test(.router) { client in
                    try await test(fixture, client)
                }
            }
        } catch {
            await trackingDB.drop()
            await inventoryDB.drop()
            throw error
        }
        await trackingDB.drop()
        await inventoryDB.drop()
    }

    func token(_ subject: String, _ role: Role) throws -> String { try signer.token(subject, role) }

    struct TripRow: Decodable {
        let id: Int
        let train_number: Int
    }

    /// A trip of inventory's (the test's view of its database; tracking only asks over HTTP).
    func trip() async throws -> (id: Int, trainNumber: Int) {
        let row = try await inventoryDB.pool.raw("SELECT id, train_number FROM trips ORDER BY id LIMIT 1")
            .first(decoding: TripRow.self)
        let trip = try #require(row)
        return (trip.id, trip.train_number)
    }

    struct CountRow: Decodable { let n: Int }

    func count(_ sql: String) async throws -> Int {
        try await trackingDB.pool.raw(SQLQueryString(stringLiteral: sql)).first(decoding: CountRow.self)?.n ?? -1
    }

    /// The value of a counter, 0 when it was never incremented; labels as `name="value"` pairs.
    func counter(_ name: String, _ labels: String...) -> Int {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            guard labels.allSatisfy({ line.contains($0) }), let value = line.split(separator: " ").last else {
                continue
            }
            return Int(Double(value) ?? -1)
        }
        return 0
    }

    func send(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String,
              authorization: String? = nil, contentType: String? = "application/json", body: String? = nil)
        async throws -> Answer
    {
        var headers: HTTPFields = [:]
        if let authorization { headers[.authorization] = authorization }
        if body != nil, let contentType { headers[.contentType] = contentType }
        let response = try await client.execute(uri: uri, method: method, headers: headers,
                                                body: body.map { ByteBuffer(string: $0) })
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any]
        return Answer(status: response.status, contentType: response.headers[.contentType], body: object ?? [:])
    }

    func json(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    struct PlannedTripRow: Decodable {
        let id: Int
        let departs_at: Date
        let arrives_at: Date
    }

    /// Inventory's trips in order of departure, with when they leave their origin and reach their destination.
    func tripsByDeparture() async throws -> [PlannedTripRow] {
        try await inventoryDB.pool.raw("SELECT id, departs_at, arrives_at FROM trips ORDER BY departs_at, id")
            .all(decoding: PlannedTripRow.self)
    }

    /// Plans `locomotive` for the trip in inventory (as `PUT /api/v1/trips/{id}/locomotive` does; tracking only asks
    /// over HTTP).
    func planLocomotive(_ locomotive: String?, trip: Int) async throws {
        try await inventoryDB.pool.raw("UPDATE trips SET locomotive = \(bind: locomotive) WHERE id = \(bind: trip)")
            .run()
    }

    /// Registers a device as an operator, mounted on `locomotive` when given, and, when given, assigns it to `trip`:
    /// its id and Authorization value.
    func device(_ client: any TestClientProtocol, trip: Int? = nil, locomotive: String? = nil) async throws
        -> (id: Int, authorization: String)
    {
        let ops = try token("usr_ops", .operator)
        var body: [String: Any] = ["name": "CC 401 GPS", "kind": "locomotive"]
        if let locomotive { body["locomotive"] = locomotive }
        let created = try await send(client, .post, "/api/v1/devices", authorization: "Bearer \(ops)",
                                     body: try json(body))
        try #require(created.status == .created)
        let id = try #require(created["id"] as? Int)
        if let trip {
            let assigned = try await send(client, .put, "/api/v1/devices/\(id)/assignment",
                                          authorization: "Bearer \(ops)", body: #"{"tripId": \#(trip)}"#)
            try #require(assigned.status == .ok)
        }
        return (id, try #require(created["authorization"] as? String))
    }

    /// An ISO 8601 instant `seconds` from the test clock's now.
    func iso(_ seconds: TimeInterval) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: clock.now().addingTimeInterval(seconds))
    }
}
