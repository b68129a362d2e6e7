import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import SetragKernel
import SetragMySQL
import SetragTesting
import Testing
@testable import Inventory

/// Inventory through its real router, against a fresh database on the real MariaDB, seeded by the real
/// `setrag seed` step from the repository's `data/` directory.
struct InventoryFixture {
    /// The repository's `data/` directory.
    static let dataDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data")

    let db: TestDatabase
    let parts: InventoryModule.Parts
    let context: ModuleContext
    let app: Application<RouterResponder<AppContext>>
    let data: ReferenceData
    /// Today in Africa/Libreville when the trips were made: the first service date.
    let today: LocalDate
    let weeks: Int
    /// What the routes logged (audit lines).
    let logs: LogCapture

    static func make(weeks: Int = 1, jwks: String = "{\"keys\":[]}", locking: HoldLocking = .seatLegs) async throws
        -> InventoryFixture
    {
        let db = try await TestEnvironment.freshDatabase("inventory")
        do {
            try await db.migrate(InventoryModule.definition.migrations)
            let settings = TestEnvironment.settings([
                "inventory.data_dir": dataDirectory.path, "inventory.weeks_ahead": String(weeks),
            ])
            let context = TestEnvironment.moduleContext(name: "inventory", settings: settings, database: db.pool,
                                                        jwks: { jwks })
            let today = RailwayTime.date(of: Date())
            _ = try await seed(context)
            let parts = InventoryModule.parts(database: db.pool, holdLocking: locking)
            let router = InventoryModule.buildRouter(parts: parts, context: context)
            let logs = LogCapture()
            return InventoryFixture(db: db, parts: parts, context: context,
                                    app: Application(router: router, logger: logs.logger),
                                    data: try ReferenceData.load(directory: dataDirectory), today: today, weeks: weeks,
                                    logs: logs)
        } catch {
            await db.drop()
            throw error
        }
    }

    /// `setrag seed` for inventory: what it printed.
    static func seed(_ context: ModuleContext) async throws -> [String] {
        try await InventoryModule.definition.seed!(context, SeedOptions(demo: false, demoPassword: nil))
    }

    func run(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        do {
            try await app.test(.router) { client in try await test(client) }
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    /// The first date from today on that falls on `weekday` (ISO, 1 = Monday).
    func next(_ weekday: Int, after start: LocalDate? = nil) -> LocalDate {
        let start = start ?? today
        return start.adding(days: ((weekday - start.isoWeekday) % 7 + 7) % 7)
    }

    struct TripRow: Decodable {
        let id: Int
        let train_number: Int
        let service_date: String
    }

    /// The trip of `train` on `date`.
    func tripID(train: Int, date: LocalDate) async throws -> Int {
        let row = try await db.pool.raw("""
            SELECT id, train_number, service_date FROM trips
            WHERE train_number = \(bind: train) AND service_date = \(bind: date.description)
            """).first(decoding: TripRow.self)
        return try #require(row, "no trip of train \(train) on \(date)").id
    }

    /// Seats per class of a service's consist, from the data files.
    func seatsPerClass(service: String) -> [String: Int] {
        let consist = data.services.first { $0.code == service }!.consist
        var seats: [String: Int] = [:]
        for code in consist {
            let type = data.coachTypes.first { $0.code == code }!
            if let travelClass = type.travelClass { seats[travelClass, default: 0] += type.seats.count }
        }
        return seats
    }
}

struct JSONAnswer {
    let status: HTTPResponse.Status
    let contentType: String?
    let body: [String: Any]

    subscript(_ key: String) -> Any? { body[key] }
    func objects(_ key: String) -> [[String: Any]] { body[key] as? [[String: Any]] ?? [] }
}

func get(_ client: any TestClientProtocol, _ uri: String) async throws -> JSONAnswer {
    let response = try await client.execute(uri: uri, method: .get)
    let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any]
    return JSONAnswer(status: response.status, contentType: response.headers[.contentType], body: object ?? [:])
}

/// Seats free per class in a search answer's trip.
func seatsFree(_ trip: [String: Any]) -> [String: Int] {
    var result: [String: Int] = [:]
    for entry in trip["classes"] as? [[String: Any]] ?? [] {
        result[entry["class"] as! String] = entry["seatsFree"] as? Int
    }
    return result
}

/// The seat `number` of coach `coach` in a seat map answer.
func seat(_ map: JSONAnswer, coach: Int, number: Int) -> [String: Any]? {
    let coaches = map.objects("coaches")
    guard let found = coaches.first(where: { $0["number"] as? Int == coach }) else { return nil }
    return (found["seats"] as? [[String: Any]] ?? []).first { $0["number"] as? Int == number }
}
