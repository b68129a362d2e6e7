import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Inventory
import Logging
import NIOCore
import SQLKit
import SetragKernel
import SetragMySQL
import SetragTesting
import Synchronization
import Testing
@testable import Booking

/// A clock the tests move forward; booking and inventory both read it.
final class TestClock: Sendable {
    let offset = Mutex<TimeInterval>(0)
    func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    func advance(seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}

/// Signs access tokens the way identity does (Ed25519, `typ: at+jwt`), for a verifier fed with its key set.
struct Signer: Sendable {
    let key = Curve25519.Signing.PrivateKey()
    let kid = "booking-test"

    var jwks: String {
        let x = key.publicKey.rawRepresentation.base64URLEncodedString()
        return #"{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":"\#(kid)","x":"\#(x)"}]}"#
    }

    func token(subject: String, roles: [Role]) throws -> String {
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

/// PNRs from a list, then random ones (collision tests).
func scriptedPNRs(_ codes: [String]) -> PNRGenerator {
    let queue = Mutex(codes)
    return PNRGenerator {
        queue.withLock { $0.isEmpty ? nil : $0.removeFirst() } ?? PNRGenerator.live.next()
    }
}

/// Booking through its real router, against a fresh database on the real MariaDB, calling a real inventory that
/// listens on a loopback port with its own fresh database, seeded by the real `setrag seed` steps from the
/// repository's `data/` directory.
struct BookingFixture: Sendable {
    /// The repository's `data/` directory.
    static let dataDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data")

    let inventoryDB: TestDatabase
    let bookingDB: TestDatabase
    let context: ModuleContext
    let parts: BookingModule.Parts
    let clock: TestClock
    let signer: Signer
    /// What the booking router logged.
    let logs: LogCapture
    /// Today in Africa/Libreville when the trips were made.
    let today: LocalDate

    static func run(holdSeconds: Int? = nil, pnrs: PNRGenerator = .live,
                    _ test: @escaping @Sendable (BookingFixture, any TestClientProtocol) async throws -> Void)
        async throws
    {
        let clock = TestClock()
        let signer = Signer()
        let inventoryDB = try await TestEnvironment.freshDatabase("binv")
        let bookingDB: TestDatabase
        do {
            bookingDB = try await TestEnvironment.freshDatabase("booking")
        } catch {
            await inventoryDB.drop()
            throw error
        }
        do {
            try await inventoryDB.migrate(InventoryModule.definition.migrations)
            let inventorySettings = TestEnvironment.settings([
                "inventory.data_dir": dataDirectory.path, "inventory.weeks_ahead": "2",
            ])
            let inventoryContext = TestEnvironment.moduleContext(name: "inventory", settings: inventorySettings,
                                                                 database: inventoryDB.pool)
            let today = RailwayTime.date(of: Date())
            _ = try await InventoryModule.definition.seed!(inventoryContext,
                                                           SeedOptions(demo: false, demoPassword: nil))
            let inventoryRouter = InventoryModule.buildRouter(parts: InventoryModule.parts(database: inventoryDB.pool),
                                                              context: inventoryContext, now: clock.now)
            try await Application(router: inventoryRouter).test(.live) { inventoryClient in
                let port = try #require(inventoryClient.port)
                try await bookingDB.migrate(BookingModule.definition.migrations)
                var values = ["inventory.url": "http://localhost:\(port)", "booking.data_dir": dataDirectory.path]
                if let holdSeconds { values["booking.hold_seconds"] = String(holdSeconds) }
                let settings = TestEnvironment.settings(values)
                let jwks = signer.jwks
                let context = TestEnvironment.moduleContext(name: "booking", settings: settings,
                                                            database: bookingDB.pool, jwks: { jwks })
                _ = try await seed(context)
                let options = BookingModule.Options(settings)
                try settings.validate()
                let parts = BookingModule.parts(
                    database: bookingDB.pool, options: options,
                    inventory: BookingModule.inventoryClient(context, options: options), logger: context.logger,
                    pnrs: pnrs, now: clock.now)
                let logs = LogCapture()
                let fixture = BookingFixture(inventoryDB: inventoryDB, bookingDB: bookingDB, context: context,
                                             parts: parts, clock: clock, signer: signer, logs: logs, today: today)
                let router = BookingModule.buildRouter(parts: parts, context: context, now: clock.now)
                try await Application(router: router, logger: logs.logger).test(.router) { client in
                    try await test(fixture, client)
                }
            }
        } catch {
            await bookingDB.drop()
            await inventoryDB.drop()
            throw error
        }
        await bookingDB.drop()
        await inventoryDB.drop()
    }

    /// `setrag seed` for booking: what it printed.
    static func seed(_ context: ModuleContext) async throws -> [String] {
        try await BookingModule.definition.seed!(context, SeedOptions(demo: false, demoPassword: nil))
    }

    /// The first date after `days` days from today that falls on `weekday` (ISO, 1 = Monday).
    func next(_ weekday: Int, afterDays days: Int = 1) -> LocalDate {
        let start = today.adding(days: days)
        return start.adding(days: ((weekday - start.isoWeekday) % 7 + 7) % 7)
    }

    struct TripRow: Decodable { let id: Int }

    /// The trip of `train` on `date`, from inventory's database (the test's view; booking only uses HTTP).
    func tripID(train: Int, date: LocalDate) async throws -> Int {
        let row = try await inventoryDB.pool.raw("""
            SELECT id FROM trips WHERE train_number = \(bind: train) AND service_date = \(bind: date.description)
            """).first(decoding: TripRow.self)
        return try #require(row, "no trip of train \(train) on \(date)").id
    }

    /// Train 211, the Express Owendo → Franceville leaving Tuesdays at 12:30, at least two days from now.
    func express() async throws -> Int { try await tripID(train: 211, date: next(2, afterDays: 2)) }

    func token(_ subject: String, _ roles: Role...) throws -> String {
        try signer.token(subject: subject, roles: roles)
    }

    struct CountRow: Decodable { let n: Int }

    func count(_ db: TestDatabase, _ sql: String) async throws -> Int {
        try await db.pool.raw(SQLQueryString(stringLiteral: sql)).first(decoding: CountRow.self)?.n ?? -1
    }

    /// Rows in booking's tables, and holds in inventory's.
    func bookingsStored() async throws -> Int { try await count(bookingDB, "SELECT COUNT(*) AS n FROM bookings") }
    func passengersStored() async throws -> Int {
        try await count(bookingDB, "SELECT COUNT(*) AS n FROM booking_passengers")
    }
    func holdsInInventory() async throws -> Int { try await count(inventoryDB, "SELECT COUNT(*) AS n FROM holds") }
    func heldHolds() async throws -> Int {
        try await count(inventoryDB, "SELECT COUNT(*) AS n FROM holds WHERE status IN ('held', 'confirmed')")
    }

    struct HoldRow: Decodable {
        let status: String
        let reference: String
    }

    func hold(_ id: Int) async throws -> HoldRow? {
        try await inventoryDB.pool.raw("SELECT status, reference FROM holds WHERE id = \(bind: id)")
            .first(decoding: HoldRow.self)
    }
}

// MARK: HTTP helpers

struct JSONAnswer: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String

    var contentType: String? { headers[.contentType] }
    var body: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
    subscript(_ key: String) -> Any? { body[key] }
    func objects(_ key: String) -> [[String: Any]] { body[key] as? [[String: Any]] ?? [] }
    /// `field:code` of each error of a problem.
    var errorCodes: [String] {
        objects("errors").map { "\($0["field"] as? String ?? ""):\($0["code"] as? String ?? "")" }
    }
    var problemType: String? {
        (self["type"] as? String).map { $0.replacingOccurrences(of: ProblemType.base, with: "") }
    }
    var isProblem: Bool { contentType == "application/problem+json" }
}

func call(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String? = nil,
          key: String? = nil, json: [String: Any]? = nil, raw: String? = nil,
          contentType: String = "application/json") async throws -> JSONAnswer {
    var headers: HTTPFields = [:]
    if let token { headers[.authorization] = "Bearer \(token)" }
    if let key { headers[IdempotencyKeys.header] = key }
    var body: ByteBuffer?
    if let json {
        body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
    } else if let raw {
        body = ByteBuffer(string: raw)
    }
    if body != nil { headers[.contentType] = contentType }
    let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
    return JSONAnswer(status: response.status, headers: response.headers, text: String(buffer: response.body))
}

/// A booking body for train 211 Owendo → Franceville.
func bookingBody(trip: Int, travelClass: String = "second", passengers: [[String: Any]]? = nil,
                 phone: String = "077 12 34 56", from: String = "OWE", to: String = "FCV") -> [String: Any] {
    [
        "tripId": trip, "from": from, "to": to, "class": travelClass, "contactPhone": phone,
        "passengers": passengers ?? [
            ["type": "adult", "name": "Awa Ndong", "idNumber": "GA-1234567"],
            ["type": "child", "name": "Léa Ndong", "idNumber": "gab-7654321"],
        ],
    ]
}

/// The seats inventory shows free on every leg of a journey.
func freeSeats(fixture: BookingFixture, trip: Int, from: String = "OWE", to: String = "FCV") async throws
    -> Set<SeatRef>
{
    let map = try await fixture.parts.inventory.seatMap(tripID: trip, from: from, to: to)
    var free: Set<SeatRef> = []
    for coach in map.coaches {
        for seat in coach.seats where seat.free { free.insert(SeatRef(coach: coach.number, seat: seat.number)) }
    }
    return free
}

func seats(_ booking: JSONAnswer) -> [SeatRef] {
    booking.objects("passengers").compactMap { passenger in
        guard let seat = passenger["seat"] as? [String: Any], let coach = seat["coach"] as? Int,
              let number = seat["seat"] as? Int else { return nil }
        return SeatRef(coach: coach, seat: number)
    }
}
