import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SetragEvents
import SetragKernel
import SetragMySQL

/// The payments service: payments of bookings by mobile money (Airtel Money, Moov Money) and card through the
/// E-Billing aggregator, cash at a counter, provider callbacks, reconciliation, refunds.
///
/// Settings: `crypto.*` (the payer's number is sealed); `payments.ebilling.url` (the aggregator's API, default
/// `http://127.0.0.1:8190`), `payments.ebilling.username`, `payments.ebilling.shared_key` and
/// `payments.ebilling.callback_secret` (required); `payments.public_url` (where the hosted page sends payers back,
/// default `gateway.public_url`); `payments.reconcile_seconds` (how often open payments are checked, default 30);
/// `payments.refund_seconds` (how often refunds booking asked for are sent to the aggregator, default 2).
///
/// Events: payments consumes booking's `BookingRefundDue` (MQTT shared subscription, and catch-up from booking's
/// `/internal/events` feed at `booking.url`), through its inbox, and pays the money back (`BookingRefunds`). It
/// produces `RefundPaid` (v1, see `PaymentStore.swift`) in its outbox when a refund a booking owes is paid (to a
/// wallet, or in cash at a counter); a relay publishes it to `setrag/events/payments/RefundPaid`, and
/// `/internal/events?after=` serves it to booking catching up.
public enum PaymentsModule {
    public static let definition = ModuleDefinition(
        name: "payments", needs: [.database, .broker], migrations: PaymentsMigrations.all
    ) { settings in
        let options = Options(settings)
        return { context in try await start(context, options: options) }
    }

    public struct Options: Sendable {
        var crypto: FieldCrypto?
        public var providerURL: String
        public var username: String
        public var sharedKey: String
        public var callbackSecret: String
        public var publicURL: String
        public var reconcileSeconds: Int
        public var refundSeconds: Int

        public init(_ settings: Settings) {
            crypto = FieldCrypto.from(settings)
            providerURL = settings.string("payments.ebilling.url", default: "http://127.0.0.1:8190")
            username = settings.string("payments.ebilling.username")
            sharedKey = settings.string("payments.ebilling.shared_key", secret: true)
            callbackSecret = settings.string("payments.ebilling.callback_secret", secret: true)
            let gateway = settings.string("gateway.public_url", default: "http://127.0.0.1:8080")
            publicURL = settings.string("payments.public_url", default: gateway)
            reconcileSeconds = settings.int("payments.reconcile_seconds", default: 30, range: 1...3600)
            refundSeconds = settings.int("payments.refund_seconds", default: 2, range: 1...3600)
        }
    }

    public struct Parts: Sendable {
        public let service: PaymentService
        public let store: PaymentStore
        public let idempotency: IdempotencyKeys
        public let callbackSecret: String
        public let refunds: BookingRefunds
    }

    public static func parts(database: any MySQLDatabase, options: Options, http: HTTPClient, bookings: any BookingLink,
                             logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) -> Parts {
        let store = PaymentStore(database: database, crypto: options.crypto!)
        let provider = EBillingClient(baseURL: options.providerURL, username: options.username,
                                      sharedKey: options.sharedKey, http: http)
        let service = PaymentService(store: store, provider: provider, bookings: bookings, logger: logger,
                                     publicURL: options.publicURL)
        return Parts(service: service, store: store,
                     idempotency: IdempotencyKeys(database: database, logger: logger, now: now),
                     callbackSecret: options.callbackSecret,
                     refunds: BookingRefunds(database: database, logger: logger, now: now))
    }

    public static func buildRouter(parts: Parts, context: ModuleContext,
                                   now: @escaping @Sendable () -> Date = { Date() }) -> Router<AppContext> {
        let router = ServiceHTTP.router(context)
        PaymentsRoutes(parts: parts, now: now).register(on: router)
        EventFeedRoute.register(on: router, service: "payments", database: parts.store.db)
        return router
    }

    static func start(_ context: ModuleContext, options: Options) async throws -> [any Service] {
        let bookings = HTTPBookingLink(baseURL: context.endpoints.url("booking"), http: context.httpClient)
        let parts = parts(database: context.requireDatabase(), options: options, http: context.httpClient,
                          bookings: bookings, logger: context.logger)
        guard let broker = context.broker else { throw PaymentsStartError.noBroker }
        let feed = HTTPEventFeed(baseURL: context.endpoints.url("booking"), client: context.httpClient)
        return [
            parts.refunds.consumer(broker: broker, feed: feed),
            OutboxRelay(service: "payments", database: parts.store.db, broker: broker, logger: context.logger),
            refundSender(service: parts.service, interval: .seconds(options.refundSeconds), logger: context.logger),
            reconciler(service: parts.service, idempotency: parts.idempotency,
                       interval: .seconds(options.reconcileSeconds), logger: context.logger),
            ServiceHTTP.application(name: "payments", router: buildRouter(parts: parts, context: context),
                                    address: context.endpoints.listen["payments"]!, kernel: context.kernel,
                                    logger: context.logger),
        ]
    }
}

enum PaymentsStartError: Error { case noBroker }

/// Every `interval`: sends the aggregator the refunds booking's events recorded (mobile money back to the wallet).
func refundSender(service: PaymentService, interval: Duration, logger: Logger) -> PeriodicJob {
    PeriodicJob("sending refunds", every: interval, logger: logger) {
        let sent = try await service.sendRecordedRefunds(now: Date())
        if sent > 0 { logger.info("refunds sent", metadata: ["count": "\(sent)"]) }
    }
}

/// Every `interval`: asks the provider about payments it has not told us about, finishes what booking missed,
/// and forgets old idempotency keys.
extension Duration {
    var seconds: TimeInterval { TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18 }
}

func reconciler(service: PaymentService, idempotency: IdempotencyKeys, interval: Duration, logger: Logger)
    -> PeriodicJob
{
    PeriodicJob("reconciliation", every: interval, logger: logger) {
        // A payment is asked about once it has been quiet for a whole interval.
        _ = try await service.reconcile(now: Date(), quietFor: interval.seconds)
        try await idempotency.purgeExpired()
    }
}

struct PaymentsRoutes: Sendable {
    let parts: Parts
    let now: @Sendable () -> Date
    typealias Parts = PaymentsModule.Parts

    static let signature = HTTPField.Name("X-Ebilling-Signature")!
    static let timestamp = HTTPField.Name("X-Ebilling-Timestamp")!

    func register(on router: Router<AppContext>) {
        router.post("/api/v1/payments") { request, context in
            let caller = try context.requirePrincipal()
            guard caller.has(.bookingsOwn) || caller.has(.counterSell) else {
                throw ProblemError.forbidden("This needs the permission \(Permission.bookingsOwn.rawValue)")
            }
            let authorization = request.headers[.authorization] ?? ""
            return try await parts.idempotency.run(request, context: context, caller: caller.subject) { call in
                let body = try await call.request.decodeJSON(as: PaymentRequest.self, context: context)
                let payment = try await parts.service.start(body, caller: caller, authorization: authorization,
                                                            now: now())
                return try IdempotentAnswer(json: PaymentJSON(payment), status: .created, headers: [
                    .location: "/api/v1/payments/\(payment.publicID)", .cacheControl: "no-store",
                ])
            }
        }
        // A counter agent's till: the cash they took on one day (local to Libreville). Administrators may read
        // any agent's.
        router.get("/api/v1/payments/till") { request, context in
            let caller = try context.requirePrincipal()
            guard caller.has(.counterSell) || caller.has(.auditRead) else {
                throw ProblemError.forbidden("This needs the permission \(Permission.counterSell.rawValue)")
            }
            let parameters = request.uri.queryParameters
            let agent = parameters.get("agent") ?? caller.subject
            guard agent == caller.subject || caller.has(.auditRead) else {
                throw ProblemError.forbidden("Only an administrator may read another agent's till")
            }
            guard (1...64).contains(agent.utf8.count) else {
                throw ProblemError.validation([.init(field: "agent", code: "invalid", message: "1 to 64 characters")])
            }
            let day = try TillDay(parameters.get("date"), now: now())
            async let payments = parts.store.till(agent: agent, from: day.start, to: day.end)
            async let refunds = parts.store.refundsPaid(by: agent, from: day.start, to: day.end)
            return JSONResponse(TillJSON(agent: agent, date: day.text, payments: try await payments,
                                         refunds: try await refunds),
                                headers: [.cacheControl: "no-store"])
        }
        // What a booking owes back: for the staff at a counter (agents) and the office (operations, audit) all of
        // it; for a customer, the refunds of their own payments.
        router.get("/api/v1/payments/refunds") { request, context in
            let caller = try context.requirePrincipal()
            let staff = caller.has(.counterSell) || caller.has(.operationsManage) || caller.has(.auditRead)
            guard staff || caller.has(.bookingsOwn) else {
                throw ProblemError.forbidden("This needs the permission \(Permission.counterSell.rawValue)")
            }
            let pnr = (request.uri.queryParameters.get("pnr") ?? "").uppercased()
            guard pnr.utf8.count == 6, pnr.utf8.allSatisfy({ (48...57).contains($0) || (65...90).contains($0) }) else {
                throw ProblemError.validation([.init(field: "pnr", code: "invalid",
                                                     message: "A booking reference: 6 letters or digits")])
            }
            let refunds = try await parts.store.refunds(owedBy: pnr).filter { staff || $0.owner == caller.subject }
            return JSONResponse(RefundListJSON(pnr: pnr, refunds: refunds.map(RefundDetailJSON.init)),
                                headers: [.cacheControl: "no-store"])
        }
        // A refund owed in cash goes to a mobile-money wallet its customer names instead (through the aggregator's
        // payouts): the payer of the payment it comes from, or an agent for them.
        router.post("/api/v1/payments/refunds/:reference/wallet") { request, context in
            let caller = try context.requirePrincipal()
            guard caller.has(.bookingsOwn) || caller.has(.counterSell) else {
                throw ProblemError.forbidden("This needs the permission \(Permission.bookingsOwn.rawValue)")
            }
            let reference = try context.parameters.require("reference")
            return try await parts.idempotency.run(request, context: context, caller: caller.subject) { call in
                let body = try await call.request.decodeJSON(as: RefundWalletRequest.self, context: context)
                let refund = try await parts.service.sendToWallet(reference: reference, msisdn: body.msisdn,
                                                                  caller: caller, now: now())
                return try IdempotentAnswer(json: RefundDetailJSON(refund), status: .ok,
                                            headers: [.cacheControl: "no-store"])
            }
        }
        // An agent pays a refund owed in cash (a card or cash payment, or a payout the wallet refused) at a
        // counter: recorded against the agent's till. Audited.
        router.post("/api/v1/payments/refunds/:reference/cash") { request, context in
            let caller = try context.requirePrincipal()
            guard caller.has(.counterSell) else {
                throw ProblemError.forbidden("This needs the permission \(Permission.counterSell.rawValue)")
            }
            let reference = try context.parameters.require("reference")
            guard (1...40).contains(reference.utf8.count) else { throw PaymentsError.refundNotFound }
            return try await parts.idempotency.run(request, context: context, caller: caller.subject) { _ in
                switch try await parts.store.payInCash(reference: reference, agent: caller.subject, now: now()) {
                case .notFound:
                    throw PaymentsError.refundNotFound
                case .notOwedInCash(let refund):
                    throw PaymentsError.refundNotOwedInCash(refund.status)
                case .paid(let refund):
                    context.logger.notice("refund paid in cash", metadata: [
                        "audit": "refund.cash", "subject": "\(caller.subject)", "reference": "\(refund.reference)",
                        "pnr": "\(refund.owedPNR ?? "")", "amount": "\(refund.amount)",
                    ])
                    // Read back in the payment's transaction: succeeded, with who paid it and when.
                    return try IdempotentAnswer(json: RefundDetailJSON(refund), status: .ok,
                                                headers: [.cacheControl: "no-store"])
                }
            }
        }
        router.get("/api/v1/payments/:id") { _, context in
            let caller = try context.requirePrincipal()
            let id = try context.parameters.require("id")
            guard id.count <= 32, let payment = try await parts.store.payment(publicID: id),
                  PaymentService.maySee(payment, caller) else { throw PaymentsError.paymentNotFound }
            let refunds = try await parts.store.refunds(paymentID: payment.id)
            return JSONResponse(PaymentJSON(payment, refunds: refunds), headers: [.cacheControl: "no-store"])
        }
        // The aggregator's callbacks: no caller token, a signature instead.
        router.post("/api/v1/payments/callbacks/ebilling") { request, context in
            var request = request
            let body = try await request.collectBody(upTo: 64 << 10)
            let callback: EBillingCallback
            do {
                callback = try EBillingCallback.verify(
                    body: Array(body.readableBytesView), timestamp: request.headers[Self.timestamp],
                    signature: request.headers[Self.signature], secret: parts.callbackSecret, now: now())
            } catch {
                context.logger.warning("provider callback refused", metadata: ["reason": "\(error)"])
                throw PaymentsError.badCallback("\(error)")
            }
            try await parts.service.handle(callback, now: now())
            return jsonResponse(["received": true])
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: PaymentsOpenAPI.document)))
        }
    }
}

struct PaymentJSON: Encodable, Sendable {
    let id: String
    let pnr: String
    let method: String
    let amount: Int
    let currency = "XAF"
    let status: String
    /// Card payments: the aggregator's page to send the payer to.
    let paymentUrl: String?
    let bookingStatus: String?
    let createdAt: String
    /// What was paid back from it (its GET only).
    let refunds: [RefundJSON]?

    struct RefundJSON: Encodable, Sendable {
        let reference: String
        let amount: Int
        let reason: String
        /// pending, succeeded, unknown (being reconciled), or manual (owed and paid by hand: cash at a counter, cards,
        /// or a payout the wallet refused).
        let status: String
    }

    init(_ payment: PaymentRecord, refunds: [RefundRecord]? = nil) {
        self.refunds = refunds?.map {
            RefundJSON(reference: $0.reference, amount: $0.amount, reason: $0.reason, status: $0.status)
        }
        id = payment.publicID
        pnr = payment.pnr
        method = payment.method.rawValue
        amount = payment.amount
        status = payment.status.rawValue
        paymentUrl = payment.method == .card ? payment.paymentURL : nil
        bookingStatus = payment.bookingStatus
        createdAt = payment.createdAt.formatted(.iso8601)
    }
}

/// A local day in Libreville, from `YYYY-MM-DD` (today when absent).
struct TillDay {
    static let zone = TimeZone(identifier: "Africa/Libreville") ?? TimeZone(secondsFromGMT: 3600)!
    let text: String
    let start: Date
    let end: Date

    init(_ value: String?, now: Date) throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.zone
        let components: DateComponents
        if let value {
            let parts = value.split(separator: "-", omittingEmptySubsequences: false)
            guard value.utf8.count == 10, parts.count == 3, parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
                  let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
                  (2020...2100).contains(year), (1...12).contains(month), (1...31).contains(day),
                  let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
                  calendar.component(.day, from: date) == day
            else {
                throw ProblemError.validation([.init(field: "date", code: "invalid",
                                                     message: "A date as YYYY-MM-DD")])
            }
            components = DateComponents(year: year, month: month, day: day)
        } else {
            components = calendar.dateComponents([.year, .month, .day], from: now)
        }
        let start = calendar.date(from: components)!
        self.start = start
        end = calendar.date(byAdding: .day, value: 1, to: start)!
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        text = "\(components.year!)-\(two(components.month!))-\(two(components.day!))"
    }
}

/// An agent's till for a day: what they took, and the total of what was paid.
struct TillJSON: Encodable, Sendable {
    struct Entry: Encodable, Sendable {
        let id: String
        let pnr: String
        let amount: Int
        let status: String
        let createdAt: String
    }

    struct RefundEntry: Encodable, Sendable {
        let reference: String
        let pnr: String?
        let amount: Int
        let paidAt: String?
    }

    let agent: String
    let date: String
    let currency = "XAF"
    /// Payments that succeeded, and their sum.
    let count: Int
    let total: Int
    let payments: [Entry]
    /// Refunds the agent paid out in cash, and their sum; `net` is the cash the till should hold from the day.
    let refundCount: Int
    let refundTotal: Int
    let refunds: [RefundEntry]
    let net: Int

    init(agent: String, date: String, payments: [PaymentRecord], refunds: [RefundRecord]) {
        self.agent = agent
        self.date = date
        let paid = payments.filter { $0.status == .succeeded }
        count = paid.count
        total = paid.reduce(0) { $0 + $1.amount }
        self.payments = payments.map {
            Entry(id: $0.publicID, pnr: $0.pnr, amount: $0.amount, status: $0.status.rawValue,
                  createdAt: $0.createdAt.formatted(.iso8601))
        }
        refundCount = refunds.count
        refundTotal = refunds.reduce(0) { $0 + $1.amount }
        self.refunds = refunds.map {
            RefundEntry(reference: $0.reference, pnr: $0.owedPNR, amount: $0.amount,
                        paidAt: $0.paidAt?.formatted(.iso8601))
        }
        net = total - refundTotal
    }
}

enum PaymentsOpenAPI {
    static let document = """
        {"openapi": "3.1.0", "info": {"title": "SETRAG payments", "version": "1"},
         "paths": {
          "/api/v1/payments/till": {"get": {"summary": "A counter agent's till: the cash payments they took on a day (local to Africa/Libreville), with the count and total of those that succeeded; the refunds they paid out in cash (refundCount, refundTotal, refunds); net = total - refundTotal. Agents read their own; administrators any agent's (agent=).",
            "parameters": [{"name": "date", "in": "query", "schema": {"type": "string", "format": "date"}},
                           {"name": "agent", "in": "query", "schema": {"type": "string", "maxLength": 64}}],
            "responses": {"200": {"description": "The till"}, "403": {"description": "Not an agent, or another agent's till"}, "422": {"description": "A bad date"}}}},
          "/api/v1/payments": {"post": {"summary": "Pay a booking whose seats are held (status held or awaiting_payment; Idempotency-Key required): its amountDue (the total, or an exchange's difference)",
            "requestBody": {"content": {"application/json": {"schema": {"type": "object",
              "required": ["pnr", "method"], "additionalProperties": false, "properties": {
                "pnr": {"type": "string", "pattern": "^[A-Z2-9]{6}$"},
                "method": {"enum": ["airtel_money", "moov_money", "card", "cash"]},
                "msisdn": {"type": "string", "description": "the payer's Gabonese mobile number (all but cash)"}}}}}},
            "responses": {"201": {"description": "the payment: succeeded (cash), pending (a PIN request was sent to the phone, or paymentUrl to open for a card), failed, or unknown (being reconciled)"},
              "404": {"description": "no such booking for this caller"}, "409": {"description": "booking not payable, or a payment in progress"},
              "422": {"description": "invalid fields"}, "503": {"description": "provider or booking unreachable; nothing charged"}}}},
          "/api/v1/payments/refunds": {"get": {"summary": "What a booking owes back (staff: agents, operations, audit; a customer: the refunds of their own payments): its refunds with reference, amount, reason, status (manual: owed in cash at a counter), the payment's method, and who paid it in cash, when",
            "parameters": [{"name": "pnr", "in": "query", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9]{6}$"}}],
            "responses": {"200": {"description": "The refunds, oldest first"}, "403": {"description": "Not staff"}, "422": {"description": "A bad PNR"}}}},
          "/api/v1/payments/refunds/{reference}/wallet": {"post": {"summary": "A refund owed in cash (status manual) is paid to a mobile-money wallet its customer names instead, through the aggregator's payouts (Idempotency-Key required). The payer of the payment it comes from, or an agent",
            "parameters": [{"name": "reference", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 40}}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["msisdn"], "additionalProperties": false,
              "properties": {"msisdn": {"type": "string", "description": "an Airtel Money or Moov Money number"}}}}}},
            "responses": {"200": {"description": "The refund: pending (the payout was sent) or succeeded"}, "404": {"description": "No such refund for this caller"},
              "409": {"description": "Not owed in cash (refund-not-owed-in-cash)"}, "422": {"description": "Not a mobile-money number"}}}},
          "/api/v1/payments/refunds/{reference}/cash": {"post": {"summary": "An agent pays a refund owed in cash (status manual: a card or cash payment, or a payout the wallet refused) at the counter (Idempotency-Key required): it becomes succeeded, is recorded against the agent's till, and the booking learns it (RefundPaid). Audited",
            "parameters": [{"name": "reference", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 40}}],
            "responses": {"200": {"description": "The refund, paid"}, "403": {"description": "Not an agent"}, "404": {"description": "No such refund"},
              "409": {"description": "Not owed in cash (refund-not-owed-in-cash): paid already, or going back to a wallet"}}}},
          "/api/v1/payments/{id}": {"get": {"summary": "A payment (its payer or staff), with what was paid back from it (refunds: reference, amount, reason, status pending|succeeded|failed|unknown|manual; manual: cash or card, owed in cash at a counter)",
            "responses": {"200": {"description": "the payment"}, "404": {"description": "not found"}}}},
          "/api/v1/payments/callbacks/ebilling": {"post": {"summary": "E-Billing's signed callbacks (X-Ebilling-Timestamp, X-Ebilling-Signature: sha256=HMAC of timestamp.body)",
            "responses": {"200": {"description": "applied once"}, "401": {"description": "bad or stale signature"}}}}
         }}
        """
}

/// A refund as the staff see it: what it is, how the money goes back, and who paid it at a counter.
struct RefundDetailJSON: Encodable, Sendable {
    let reference: String
    let pnr: String?
    let amount: Int
    let currency = "XAF"
    let reason: String
    /// pending, succeeded, failed, unknown (being reconciled), or manual (owed in cash, to be paid at a counter).
    let status: String
    /// How the payment it comes from was made.
    let method: String?
    let createdAt: String?
    let paidAt: String?
    let paidBy: String?

    init(_ refund: RefundRecord) {
        reference = refund.reference
        pnr = refund.owedPNR
        amount = refund.amount
        reason = refund.reason
        status = refund.status
        method = refund.method?.rawValue
        createdAt = refund.createdAt?.formatted(.iso8601)
        paidAt = refund.paidAt?.formatted(.iso8601)
        paidBy = refund.paidBy
    }
}

struct RefundListJSON: Encodable, Sendable {
    let pnr: String
    let currency = "XAF"
    let refunds: [RefundDetailJSON]
}

struct RefundWalletRequest: JSONRequestBody {
    static let fields: Set<String> = ["msisdn"]
    let msisdn: String?
}
