import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SetragEvents
import SetragKernel
import SetragMySQL

/// The inventory service: stations and line, rolling stock and seat maps, the weekly timetable, dated trips and
/// their seat-leg inventory.
///
/// Settings (read by `seed`): `inventory.data_dir` (the reference data: `domain/stations.csv`, `domain/line.csv`,
/// `domain/timetable.csv` and `rolling-stock.json`; default `data`, relative to the working directory),
/// `inventory.weeks_ahead` (weeks of dated trips `seed` makes from today in Africa/Libreville, default 8, kept that
/// far ahead while serving), `inventory.trips_refresh_hours` (how often missing days' trips are made, default 6);
/// (read by `serve`) `inventory.hold_minutes` (how long a seat hold lasts, default 15),
/// `inventory.hold_sweep_seconds` (how often expired holds are released, default 30), `inventory.hold_locking`
/// (`seat-legs`, the default: one conditional write per hold; `train-row`: the baseline `bench/tickets` compares
/// with, where every hold of a train waits for the train's row lock — never for production).
///
/// Events: `TripCancelled` (v1) goes to the outbox with the cancellation; a relay publishes the outbox to MQTT
/// (`setrag/events/inventory/<EventName>`), and `/internal/events?after=` serves it to consumers catching up.
public enum InventoryModule {
    public static let definition = ModuleDefinition(
        name: "inventory", needs: [.database, .broker], migrations: InventoryMigrations.all, seed: seed
    ) { settings in
        let options = Options(settings)
        return { context in try await start(context, options: options) }
    }

    public struct Options: Sendable {
        public var dataDirectory: URL
        public var weeksAhead: Int
        public var holdMinutes: Int
        public var holdSweepSeconds: Int
        public var holdLocking: HoldLocking
        public var tripsRefreshHours: Int

        public init(_ settings: Settings) {
            dataDirectory = URL(fileURLWithPath: settings.string("inventory.data_dir", default: "data"))
            weeksAhead = settings.int("inventory.weeks_ahead", default: 8, range: 1...104)
            holdMinutes = settings.int("inventory.hold_minutes", default: 15, range: 1...60)
            holdSweepSeconds = settings.int("inventory.hold_sweep_seconds", default: 30, range: 1...3600)
            tripsRefreshHours = settings.int("inventory.trips_refresh_hours", default: 6, range: 1...168)
            let locking = settings.string("inventory.hold_locking", default: HoldLocking.seatLegs.rawValue)
            holdLocking = HoldLocking(rawValue: locking) ?? .seatLegs
            if HoldLocking(rawValue: locking) == nil {
                settings.invalid("inventory.hold_locking", "must be seat-legs or train-row")
            }
        }
    }

    /// Everything inventory is made of, assembled once; the same function the tests call.
    public struct Parts: Sendable {
        public let database: any MySQLDatabase
        public let store: any InventoryStore
        public let search: TripSearch
        public let holds: HoldService
    }

    public static func parts(database: any MySQLDatabase, holdMinutes: Int = 15,
                             holdLocking: HoldLocking = .seatLegs) -> Parts {
        let store = MySQLInventoryStore(database: database, locking: holdLocking)
        let search = TripSearch(store: store)
        return Parts(database: database, store: store, search: search,
                     holds: HoldService(store: store, search: search, defaultTTL: holdMinutes * 60))
    }

    public static func buildRouter(parts: Parts, context: ModuleContext,
                                   now: @escaping @Sendable () -> Date = { Date() }) -> Router<AppContext> {
        let router = ServiceHTTP.router(context)
        InventoryRoutes(search: parts.search, store: parts.store, holds: parts.holds, now: now).register(on: router)
        EventFeedRoute.register(on: router, service: "inventory", database: parts.database)
        return router
    }

    static func start(_ context: ModuleContext, options: Options) async throws -> [any Service] {
        let parts = parts(database: context.requireDatabase(), holdMinutes: options.holdMinutes,
                          holdLocking: options.holdLocking)
        if options.holdLocking == .trainRow {
            context.logger.warning("inventory.hold_locking=train-row: every hold waits for its train's row lock (a benchmark baseline)")
        }
        let router = buildRouter(parts: parts, context: context)
        guard let broker = context.broker else { throw InventoryStartError.noBroker }
        return [
            OutboxRelay(service: "inventory", database: parts.database, broker: broker, logger: context.logger),
            holdSweeper(store: parts.store, interval: .seconds(options.holdSweepSeconds), logger: context.logger),
            tripHorizon(store: parts.store, weeks: options.weeksAhead,
                        interval: .seconds(options.tripsRefreshHours * 3600), logger: context.logger),
            ServiceHTTP.application(name: "inventory", router: router, address: context.endpoints.listen["inventory"]!,
                                    kernel: context.kernel, logger: context.logger),
        ]
    }

    /// The reference data from `inventory.data_dir`, then the dated trips of `inventory.weeks_ahead` weeks.
    static func seed(_ context: ModuleContext, _ options: SeedOptions) async throws -> [String] {
        let moduleOptions = Options(context.settings)
        try context.settings.validate()
        let data = try ReferenceData.load(directory: moduleOptions.dataDirectory)
        let now = Date()
        let today = RailwayTime.date(of: now)
        let report = try await seed(store: parts(database: context.requireDatabase()).store, data: data, today: today,
                                    weeks: moduleOptions.weeksAhead, now: now)
        let last = today.adding(days: moduleOptions.weeksAhead * 7 - 1)
        return [
            "inventory: \(data.stations.count) stations, \(data.timetable.count) weekly trains, "
                + "\(data.coachTypes.count) coach types (\(report.referenceRowsChanged) rows changed)",
            "inventory: trips \(today) to \(last): \(report.tripsCreated) new, \(report.tripsExisting) already there",
        ]
    }

    /// Loads the reference data, then makes every trip of the weekly timetable leaving from `today` to
    /// `weeks` weeks later that does not exist yet. Running it again changes nothing.
    public static func seed(store: any InventoryStore, data: ReferenceData, today: LocalDate, weeks: Int, now: Date)
        async throws -> SeedReport
    {
        let changed = try await store.save(data)
        let (created, existing) = try await makeTrips(store: store, today: today, weeks: weeks, now: now)
        return SeedReport(referenceRowsChanged: changed, tripsCreated: created, tripsExisting: existing)
    }

    /// Makes every trip of the stored weekly timetable leaving from `today` to `weeks` weeks later that does not
    /// exist yet (seed, and `TripHorizon` as the days go by): how many were made, and how many were there already.
    public static func makeTrips(store: any InventoryStore, today: LocalDate, weeks: Int, now: Date) async throws
        -> (created: Int, existing: Int)
    {
        let dates = (0..<(weeks * 7)).map { today.adding(days: $0) }
        let existing = try await store.existingTrips(today...dates.last!)
        let stations = StationDirectory(try await store.stations())
        let plans = TripPlanner.plan(try await store.timetable(), stations: stations, dates: dates)
        var created = 0
        for plan in plans where existing[plan.serviceDate]?.contains(plan.trainNumber) != true {
            if try await store.create(plan, now: now) { created += 1 }
        }
        return (created, plans.count - created)
    }
}

enum InventoryStartError: Error { case noBroker }

/// How a hold makes sure its seat-legs are free.
public enum HoldLocking: String, Sendable {
    /// One conditional UPDATE of the seat-legs whose affected-row count proves they were all free.
    case seatLegs = "seat-legs"
    /// Lock the train's row, read, then write: the baseline of `bench/tickets`.
    case trainRow = "train-row"
}

/// Keeps the dated trips `inventory.weeks_ahead` weeks ahead while the platform runs (seed made them up to then):
/// at start and every `interval` (`inventory.trips_refresh_hours`, default 6), the missing days' trips are made.
/// A trip an operator cancelled stays cancelled; an existing one is never touched.
func tripHorizon(store: any InventoryStore, weeks: Int, interval: Duration, logger: Logger) -> PeriodicJob {
    PeriodicJob("making trips ahead", every: interval, logger: logger) {
        let now = Date()
        let made = try await InventoryModule.makeTrips(store: store, today: RailwayTime.date(of: now), weeks: weeks,
                                                       now: now)
        if made.created > 0 {
            logger.info("trips made ahead", metadata: ["count": "\(made.created)", "weeks": "\(weeks)"])
        }
    }
}

/// Releases the seats of holds past their expiry, every `interval`. Seats of an expired hold are free for others
/// as soon as it expires (every seat-leg query compares the expiry with now); this also marks the hold expired.
func holdSweeper(store: any InventoryStore, interval: Duration, logger: Logger) -> PeriodicJob {
    PeriodicJob("expiring holds", every: interval, logger: logger) {
        let expired = try await store.expireHolds(now: Date(), limit: 500)
        if expired > 0 { logger.info("holds expired", metadata: ["count": "\(expired)"]) }
    }
}
