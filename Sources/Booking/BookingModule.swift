import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SetragKernel
import SetragMySQL

/// The booking service: fares and fare rules, offers (trip search with prices), bookings (PNR) with their
/// passengers. Seats are held and sold by inventory, over HTTP at `inventory.url`.
///
/// Settings: `crypto.*` (see `FieldCrypto`: names, ID numbers and phones are sealed); (read by `seed`)
/// `booking.data_dir` (where `fares.json` is, default `data`, relative to the working directory); (read by
/// `serve`) `booking.hold_seconds` (how long seats are held for payment, 60 to 3600; default: inventory's own),
/// `booking.expiry_sweep_seconds` (how often unpaid bookings past their hold are marked expired, default 30),
/// `booking.inventory_timeout` (seconds a call to inventory may take, default 10).
public enum BookingModule {
    public static let definition = ModuleDefinition(
        name: "booking", needs: [.database], migrations: BookingMigrations.all, seed: seed
    ) { settings in
        let options = Options(settings)
        return { context in try await start(context, options: options) }
    }

    public struct Options: Sendable {
        var crypto: FieldCrypto?
        public var dataDirectory: URL
        public var holdSeconds: Int?
        public var expirySweepSeconds: Int
        public var inventoryTimeout: Int

        public init(_ settings: Settings) {
            crypto = FieldCrypto.from(settings)
            dataDirectory = URL(fileURLWithPath: settings.string("booking.data_dir", default: "data"))
            holdSeconds = settings.optionalString("booking.hold_seconds").map { _ in
                settings.int("booking.hold_seconds", range: 60...3600)
            }
            expirySweepSeconds = settings.int("booking.expiry_sweep_seconds", default: 30, range: 1...3600)
            inventoryTimeout = settings.int("booking.inventory_timeout", default: 10, range: 1...120)
        }
    }

    /// Everything booking is made of, assembled once; the same function the tests call.
    public struct Parts: Sendable {
        public let store: any BookingStore
        public let inventory: any InventoryClient
        public let bookings: BookingService
        public let offers: OfferService
        public let idempotency: IdempotencyKeys
    }

    public static func parts(database: any MySQLDatabase, options: Options, inventory: any InventoryClient,
                             logger: Logger, pnrs: PNRGenerator = .live,
                             now: @escaping @Sendable () -> Date = { Date() }) -> Parts {
        let store = MySQLBookingStore(database: database, crypto: options.crypto!)
        let bookings = BookingService(store: store, inventory: inventory, pnrs: pnrs, holdSeconds: options.holdSeconds,
                                      logger: logger)
        return Parts(store: store, inventory: inventory, bookings: bookings,
                     offers: OfferService(bookings: bookings, inventory: inventory),
                     idempotency: IdempotencyKeys(database: database, logger: logger, now: now))
    }

    /// Inventory at `inventory.url`, through the process's HTTP client.
    public static func inventoryClient(_ context: ModuleContext, options: Options) -> HTTPInventoryClient {
        HTTPInventoryClient(baseURL: context.endpoints.url("inventory"), http: context.httpClient,
                            timeout: .seconds(Int64(options.inventoryTimeout)), logger: context.logger)
    }

    public static func buildRouter(parts: Parts, context: ModuleContext,
                                   now: @escaping @Sendable () -> Date = { Date() }) -> Router<AppContext> {
        let router = ServiceHTTP.router(context)
        BookingRoutes(bookings: parts.bookings, offers: parts.offers, idempotency: parts.idempotency, now: now)
            .register(on: router)
        return router
    }

    static func start(_ context: ModuleContext, options: Options) async throws -> [any Service] {
        let parts = parts(database: context.requireDatabase(), options: options,
                          inventory: inventoryClient(context, options: options), logger: context.logger)
        let router = buildRouter(parts: parts, context: context)
        return [
            BookingExpirySweeper(bookings: parts.bookings, idempotency: parts.idempotency,
                                 interval: .seconds(options.expirySweepSeconds), logger: context.logger),
            ServiceHTTP.application(name: "booking", router: router, address: context.endpoints.listen["booking"]!,
                                    kernel: context.kernel, logger: context.logger),
        ]
    }

    /// The fare book from `booking.data_dir`/fares.json into booking's database.
    static func seed(_ context: ModuleContext, _ options: SeedOptions) async throws -> [String] {
        let moduleOptions = Options(context.settings)
        try context.settings.validate()
        let fares = try FareData.load(directory: moduleOptions.dataDirectory)
        let store = MySQLBookingStore(database: context.requireDatabase(), crypto: moduleOptions.crypto!)
        let changed = try await store.save(fares)
        return [
            "booking: fares for \(fares.classes.count) classes, \(fares.passengerTypes.count) passenger types, "
                + "\(fares.changeRules.count) change rules (\(changed) rows changed)",
        ]
    }
}

/// Marks unpaid bookings whose hold ran out as expired, and forgets idempotency keys past their lifetime, every
/// `interval`. (Inventory's own sweeper frees the seats.)
public struct BookingExpirySweeper: Service {
    let bookings: BookingService
    let idempotency: IdempotencyKeys
    let interval: Duration
    let logger: Logger

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sweep(now: Date())
                try await Task.sleep(for: interval)
            }
        }
    }

    /// One pass (the tests call it with their own clock).
    public func sweep(now: Date) async {
        do {
            let expired = try await bookings.expireUnpaid(now: now)
            if expired > 0 { logger.info("bookings expired", metadata: ["count": "\(expired)"]) }
            try await idempotency.purgeExpired()
        } catch {
            logger.warning("expiring bookings failed", metadata: ["error": "\(error)"])
        }
    }
}
