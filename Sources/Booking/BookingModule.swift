import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SetragEvents
import SetragKernel
import SetragMySQL

/// The booking service: fares and fare rules, offers (trip search with prices), bookings (PNR) with their
/// passengers, and their tickets (signed QR codes, verification by conductors, trips' manifests). Seats are held and
/// sold by inventory, over HTTP at `inventory.url`.
///
/// Settings: `crypto.*` (see `FieldCrypto`: names, ID numbers and phones are sealed); (read by `seed`)
/// `booking.data_dir` (where `fares.json` is, default `data`, relative to the working directory); (read by
/// `serve`) `booking.hold_seconds` (how long seats are held for payment, 60 to 3600; default: inventory's own),
/// `booking.expiry_sweep_seconds` (how often unpaid bookings past their hold are marked expired, default 30),
/// `booking.inventory_timeout` (seconds a call to inventory may take, default 10),
/// `booking.ticket_key_rotation_days` (how long a ticket signing key signs before the next one, default 90),
/// `booking.ticket_key_activation_hours` (how long a new ticket key is published before it signs, so that
/// conductors' devices have it; default 48).
///
/// Events: booking consumes inventory's `TripCancelled` (MQTT shared subscription, and catch-up from inventory's
/// `/internal/events` feed at `inventory.url`) and payments' `RefundPaid` (the same way, from `payments.url`:
/// `RefundsPaid`), through its inbox. It produces `BookingRefundDue` (v1, see
/// `Exchanges.swift`) in its outbox, in the transaction of the change that owes the money, and `BookingNoticeIssued`
/// (v1, `HolderNotices.swift`) with every notice its holders get; a relay publishes them to
/// `setrag/events/booking/<name>` and `/internal/events?after=` serves them to payments and notifications catching up.
public enum BookingModule {
    public static let definition = ModuleDefinition(
        name: "booking", needs: [.database, .broker], migrations: BookingMigrations.all, seed: seed
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
        public var ticketKeyRotationDays: Int
        public var ticketKeyActivationHours: Int

        public init(_ settings: Settings) {
            crypto = FieldCrypto.from(settings)
            dataDirectory = URL(fileURLWithPath: settings.string("booking.data_dir", default: "data"))
            holdSeconds = settings.optionalString("booking.hold_seconds").map { _ in
                settings.int("booking.hold_seconds", range: 60...3600)
            }
            expirySweepSeconds = settings.int("booking.expiry_sweep_seconds", default: 30, range: 1...3600)
            inventoryTimeout = settings.int("booking.inventory_timeout", default: 10, range: 1...120)
            ticketKeyRotationDays = settings.int("booking.ticket_key_rotation_days", default: 90, range: 1...3650)
            ticketKeyActivationHours = settings.int("booking.ticket_key_activation_hours", default: 48,
                                                    range: 0...24 * 30)
        }
    }

    /// Everything booking is made of, assembled once; the same function the tests call.
    public struct Parts: Sendable {
        public let store: any BookingStore
        public let inventory: any InventoryClient
        public let bookings: BookingService
        public let offers: OfferService
        public let tickets: TicketService
        public let idempotency: IdempotencyKeys
        public let tripCancellations: TripCancellations
        public let refundsPaid: RefundsPaid
        public let database: any MySQLDatabase
    }

    public static func parts(database: any MySQLDatabase, options: Options, inventory: any InventoryClient,
                             logger: Logger, pnrs: PNRGenerator = .live, ticketIDs: TicketIDGenerator = .live,
                             now: @escaping @Sendable () -> Date = { Date() }) -> Parts {
        let store = MySQLBookingStore(database: database, crypto: options.crypto!)
        let keys = TicketKeyRing(store: store, rotationInterval: TimeInterval(options.ticketKeyRotationDays) * 86_400,
                                 activationDelay: TimeInterval(options.ticketKeyActivationHours) * 3600, logger: logger)
        let issuer = TicketIssuer(keys: keys, ids: ticketIDs)
        let bookings = BookingService(store: store, inventory: inventory, tickets: issuer, pnrs: pnrs,
                                      holdSeconds: options.holdSeconds, logger: logger)
        return Parts(store: store, inventory: inventory, bookings: bookings,
                     offers: OfferService(bookings: bookings, inventory: inventory),
                     tickets: TicketService(bookings: bookings, store: store, issuer: issuer, logger: logger),
                     idempotency: IdempotencyKeys(database: database, logger: logger, now: now),
                     tripCancellations: TripCancellations(database: database, inventory: inventory,
                                                          crypto: options.crypto!, logger: logger, now: now),
                     refundsPaid: RefundsPaid(database: database, crypto: options.crypto!, logger: logger, now: now),
                     database: database)
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
        TicketRoutes(tickets: parts.tickets, now: now).register(on: router)
        EventFeedRoute.register(on: router, service: "booking", database: parts.database)
        return router
    }

    static func start(_ context: ModuleContext, options: Options) async throws -> [any Service] {
        let parts = parts(database: context.requireDatabase(), options: options,
                          inventory: inventoryClient(context, options: options), logger: context.logger)
        let router = buildRouter(parts: parts, context: context)
        // A key to sign tickets with from the start (the first one, or the next when due). Not fatal: the first
        // ticket or key request makes one too, and the rotator tries again within the hour.
        do {
            try await parts.tickets.keys.rotateIfDue(now: Date())
        } catch {
            context.logger.warning("ticket key rotation failed", metadata: ["error": "\(error)"])
        }
        guard let broker = context.broker else { throw BookingStartError.noBroker }
        let feed = HTTPEventFeed(baseURL: context.endpoints.url("inventory"), client: context.httpClient)
        let paymentsFeed = HTTPEventFeed(baseURL: context.endpoints.url("payments"), client: context.httpClient)
        return [
            parts.tripCancellations.consumer(broker: broker, feed: feed),
            parts.refundsPaid.consumer(broker: broker, feed: paymentsFeed),
            OutboxRelay(service: "booking", database: parts.database, broker: broker, logger: context.logger),
            BookingExpirySweeper(bookings: parts.bookings, idempotency: parts.idempotency,
                                 interval: .seconds(options.expirySweepSeconds), logger: context.logger,
                                 tripCancellations: parts.tripCancellations),
            TicketKeyRotator(keys: parts.tickets.keys, interval: .seconds(3600), logger: context.logger),
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

enum BookingStartError: Error { case noBroker }

/// Marks unpaid bookings whose hold ran out as expired, forgets idempotency keys past their lifetime, and releases
/// the seats of bookings cancelled with their trip, every `interval`. (Inventory's own sweeper frees the seats of
/// expired holds.)
public struct BookingExpirySweeper: Service {
    let bookings: BookingService
    let idempotency: IdempotencyKeys
    let interval: Duration
    let logger: Logger
    var tripCancellations: TripCancellations? = nil

    public func run() async throws {
        try await PeriodicJob("expiring bookings", every: interval, logger: logger) { await sweep(now: Date()) }.run()
    }

    /// One pass (the tests call it with their own clock).
    public func sweep(now: Date) async {
        do {
            let expired = try await bookings.expireUnpaid(now: now)
            if expired > 0 { logger.info("bookings expired", metadata: ["count": "\(expired)"]) }
            try await idempotency.purgeExpired()
            if let released = try await tripCancellations?.releaseDueHolds(), released > 0 {
                logger.info("holds of cancelled trips released", metadata: ["count": "\(released)"])
            }
        } catch {
            logger.warning("expiring bookings failed", metadata: ["error": "\(error)"])
        }
    }
}
