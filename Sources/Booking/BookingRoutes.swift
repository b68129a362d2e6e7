import Foundation
import Hummingbird
import NIOCore
import SetragKernel

/// Booking's HTTP surface: offers (public), bookings (signed-in callers), and the internal payment notice. Handlers
/// stay thin; the rules live in `BookingService`, `BookingDraft` and `FareBook`.
struct BookingRoutes: Sendable {
    let bookings: BookingService
    let offers: OfferService
    let idempotency: IdempotencyKeys
    let now: @Sendable () -> Date

    func register(on router: Router<AppContext>) {
        router.get("/api/v1/offers") { request, _ in
            let parameters = request.uri.queryParameters
            var values: [String: String?] = [:]
            for name in ["from", "to", "date"] + OfferQuery.parameters.map(\.name) {
                values[name] = parameters.get(name)
            }
            return JSONResponse(try await offers.offers(values), headers: [.cacheControl: "no-store"])
        }
        router.post("/api/v1/bookings") { request, context in
            let caller = try Self.bookingCaller(context)
            return try await idempotency.run(request, context: context, caller: caller.subject) { call in
                let body = try await call.request.decodeJSON(as: BookingRequest.self, context: context)
                let booking = try await bookings.create(body, caller: caller, idempotencyUse: call.useID, now: now())
                return try IdempotentAnswer(json: BookingJSON(booking), status: .created, headers: [
                    .location: "/api/v1/bookings/\(booking.pnr)", .cacheControl: "no-store",
                ])
            }
        }
        router.get("/api/v1/bookings") { _, context in
            let caller = try context.requirePrincipal()
            let list = try await bookings.bookings(of: caller).map(BookingSummaryJSON.init)
            return JSONResponse(BookingListJSON(bookings: list), headers: [.cacheControl: "no-store"])
        }
        router.get("/api/v1/bookings/:pnr") { _, context in
            let caller = try context.requirePrincipal()
            let booking = try await bookings.booking(try context.parameters.require("pnr"), caller: caller)
            return JSONResponse(BookingJSON(booking), headers: [.cacheControl: "no-store"])
        }
        router.post("/api/v1/bookings/:pnr/cancel") { request, context in
            let caller = try context.requirePrincipal()
            let pnr = try context.parameters.require("pnr")
            return try await idempotency.run(request, context: context, caller: caller.subject) { _ in
                let booking = try await bookings.cancel(pnr, caller: caller, now: now())
                return try IdempotentAnswer(json: BookingJSON(booking), headers: [.cacheControl: "no-store"])
            }
        }
        router.get("/api/v1/bookings/:pnr/exchange") { request, context in
            let caller = try context.requirePrincipal()
            let quote = try await bookings.exchangeQuote(try context.parameters.require("pnr"),
                                                         try Self.exchangeQuery(request), caller: caller, now: now())
            return JSONResponse(ExchangeQuoteJSON(quote), headers: [.cacheControl: "no-store"])
        }
        router.post("/api/v1/bookings/:pnr/exchange") { request, context in
            let caller = try context.requirePrincipal()
            let pnr = try context.parameters.require("pnr")
            return try await idempotency.run(request, context: context, caller: caller.subject) { call in
                let body = try await call.request.decodeJSON(as: ExchangeRequest.self, context: context)
                let booking = try await bookings.exchange(pnr, body, caller: caller, idempotencyUse: call.useID,
                                                          now: now())
                return try IdempotentAnswer(json: BookingJSON(booking), status: .created, headers: [
                    .location: "/api/v1/bookings/\(booking.pnr)", .cacheControl: "no-store",
                ])
            }
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: BookingOpenAPI.document)))
        }
        registerInternal(on: router)
    }

    /// For the payments service: on booking's own port only (the gateway never routes `/internal`).
    func registerInternal(on router: Router<AppContext>) {
        router.post("/internal/bookings/:pnr/paid") { _, context in
            let booking = try await bookings.paid(try context.parameters.require("pnr"), now: now())
            return JSONResponse(BookingJSON(booking), headers: [.cacheControl: "no-store"])
        }
        router.post("/internal/bookings/:pnr/paying") { request, context in
            let body = try await request.decodeJSON(as: PaymentStep.self, context: context)
            let booking = try await bookings.paymentStarted(try context.parameters.require("pnr"),
                                                            payment: try body.checked(), now: now())
            return JSONResponse(BookingJSON(booking), headers: [.cacheControl: "no-store"])
        }
        router.post("/internal/bookings/:pnr/unpaid") { request, context in
            let body = try await request.decodeJSON(as: PaymentStep.self, context: context)
            let booking = try await bookings.paymentEnded(try context.parameters.require("pnr"),
                                                          payment: try body.checked(), now: now())
            return JSONResponse(BookingJSON(booking), headers: [.cacheControl: "no-store"])
        }
    }

    /// Payments' word on one of its payments of a booking.
    struct PaymentStep: JSONRequestBody {
        static let fields: Set<String> = ["payment"]
        let payment: String

        func checked() throws -> String {
            guard (1...40).contains(payment.utf8.count) else {
                throw BookingError.invalid([.init(field: "payment", code: "invalid", message: "1 to 40 characters")])
            }
            return payment
        }
    }

    /// `?tripId=&class=` of the exchange quote.
    static func exchangeQuery(_ request: Request) throws -> ExchangeRequest {
        let parameters = request.uri.queryParameters
        guard let text = parameters.get("tripId") else {
            throw BookingError.invalid([.init(field: "tripId", code: "required")])
        }
        guard let tripId = Int(text) else {
            throw BookingError.invalid([.init(field: "tripId", code: "invalid", message: "a trip id")])
        }
        let travelClass = parameters.get("class").flatMap { $0.isEmpty ? nil : String($0.prefix(16)) }
        return ExchangeRequest(tripId: tripId, travelClass: travelClass)
    }

    /// Customers book for themselves (`bookings.own`); counter agents (`counter.sell`) for anyone.
    static func bookingCaller(_ context: AppContext) throws -> Principal {
        let caller = try context.requirePrincipal()
        guard caller.has(.bookingsOwn) || caller.has(.counterSell) else {
            throw ProblemError.forbidden("This needs the permission \(Permission.bookingsOwn.rawValue)")
        }
        return caller
    }
}

/// Instants as the railway's local time (Africa/Libreville, UTC+1) with their offset: `2026-12-01T12:30:00+01:00`.
enum LocalTime {
    static let zone = TimeZone(identifier: "Africa/Libreville") ?? TimeZone(secondsFromGMT: 3600)!
    static let style = Date.ISO8601FormatStyle(timeSeparator: .colon, timeZoneSeparator: .colon,
                                               includingFractionalSeconds: false, timeZone: zone)

    static func iso8601(_ instant: Date) -> String { style.format(instant) }
}

// MARK: JSON bodies (the shapes of BookingOpenAPI)

struct JourneyJSON: Encodable, Sendable {
    struct StopJSON: Encodable, Sendable {
        let code: String
        let name: String
        let departure: String?
        let arrival: String?
    }

    struct TripJSON: Encodable, Sendable {
        let id: Int
        let trainNumber: Int
        let service: String
        let serviceDate: String
    }

    let trip: TripJSON
    let from: StopJSON
    let to: StopJSON

    init(_ journey: Journey) {
        trip = TripJSON(id: journey.tripID, trainNumber: journey.trainNumber, service: journey.service,
                        serviceDate: journey.serviceDate)
        from = StopJSON(code: journey.from.code, name: journey.from.name,
                        departure: LocalTime.iso8601(journey.departure), arrival: nil)
        to = StopJSON(code: journey.to.code, name: journey.to.name, departure: nil,
                      arrival: LocalTime.iso8601(journey.arrival))
    }
}

struct BookingJSON: Encodable, Sendable {
    /// What a holder may still choose after SETRAG cancelled the trip: a paid booking, a refund or a free exchange.
    static func cancellationOptions(_ status: BookingStatus) -> [String] {
        status == .confirmed ? ["refund", "exchange"] : []
    }

    struct PassengerJSON: Encodable, Sendable {
        let type: String
        let name: String
        let idNumber: String?
        let seat: SeatRef?
        let fare: Int
    }

    let pnr: String
    let status: String
    let trip: JourneyJSON.TripJSON
    let from: JourneyJSON.StopJSON
    let to: JourneyJSON.StopJSON
    let travelClass: String
    let distanceKm: Double
    let passengers: [PassengerJSON]
    let contactPhone: String
    let total: Int
    let currency: String
    /// Until when the seats are held for payment (held, awaiting_payment; expired: when they were let go).
    let holdExpiresAt: String?
    let refundAmount: Int?
    /// Of `refundAmount`, what has been paid back so far (all of it once `refunded`).
    let refundedAmount: Int?
    /// What a payment must bring: the total, or what is left of an exchange's difference (awaiting payment only).
    let amountDue: Int?
    /// How this booking was priced when it was made by an exchange.
    let exchange: ExchangeJSON?
    /// The booking that replaced this one (status exchanged).
    let exchangedTo: String?
    let createdAt: String
    let paidAt: String?
    let cancelledAt: String?
    /// Present when SETRAG cancelled the trip; `options` are what the holder may choose (none once it is settled).
    let operatorCancellation: OperatorCancellationJSON?
    /// The latest things the holder was told, newest first.
    let notices: [NoticeJSON]

    struct OperatorCancellationJSON: Encodable, Sendable {
        let reason: String
        let at: String
        let options: [String]
    }

    struct NoticeJSON: Encodable, Sendable {
        struct MessageJSON: Encodable, Sendable {
            let fr: String
            let en: String
        }

        let kind: String
        let message: MessageJSON
        let at: String
    }

    enum CodingKeys: String, CodingKey {
        case pnr, status, trip, from, to, travelClass = "class", distanceKm, passengers, contactPhone, total, currency
        case holdExpiresAt, refundAmount, refundedAmount, amountDue, exchange, exchangedTo, createdAt, paidAt, cancelledAt
        case operatorCancellation, notices
    }

    init(_ booking: BookingRecord) {
        let journey = JourneyJSON(booking.journey)
        pnr = booking.pnr
        status = booking.status.rawValue
        trip = journey.trip
        from = journey.from
        to = journey.to
        travelClass = booking.travelClass
        distanceKm = Double(booking.distanceMetres) / 1000
        passengers = booking.passengers.map {
            PassengerJSON(type: $0.type, name: $0.name, idNumber: $0.idNumber, seat: $0.seat, fare: $0.fare)
        }
        contactPhone = booking.contactPhone
        total = booking.total
        currency = booking.currency
        holdExpiresAt = booking.status.isUnpaid || booking.status == .expired
            ? LocalTime.iso8601(booking.holdExpiresAt) : nil
        refundAmount = booking.refundAmount
        refundedAmount = booking.refundAmount != nil ? booking.refundedAmount : nil
        amountDue = booking.status.isUnpaid || booking.status == .expired ? booking.amountDue : nil
        exchange = booking.exchange.map(ExchangeJSON.init)
        exchangedTo = booking.exchangedTo
        createdAt = LocalTime.iso8601(booking.createdAt)
        paidAt = booking.paidAt.map(LocalTime.iso8601)
        cancelledAt = booking.cancelledAt.map(LocalTime.iso8601)
        operatorCancellation = booking.operatorCancellation.map {
            OperatorCancellationJSON(reason: $0.reason, at: LocalTime.iso8601($0.at),
                                     options: Self.cancellationOptions(booking.status))
        }
        notices = booking.notices.map {
            NoticeJSON(kind: $0.kind, message: .init(fr: $0.french, en: $0.english), at: LocalTime.iso8601($0.at))
        }
    }
}

struct BookingSummaryJSON: Encodable, Sendable {
    let pnr: String
    let status: String
    let trip: JourneyJSON.TripJSON
    let from: JourneyJSON.StopJSON
    let to: JourneyJSON.StopJSON
    let travelClass: String
    let passengerCount: Int
    let total: Int
    let currency: String
    let holdExpiresAt: String?
    let createdAt: String
    let operatorCancellation: BookingJSON.OperatorCancellationJSON?

    enum CodingKeys: String, CodingKey {
        case pnr, status, trip, from, to, travelClass = "class", passengerCount, total, currency, holdExpiresAt
        case createdAt, operatorCancellation
    }

    init(_ summary: BookingSummary) {
        let journey = JourneyJSON(summary.journey)
        pnr = summary.pnr
        status = summary.status.rawValue
        trip = journey.trip
        from = journey.from
        to = journey.to
        travelClass = summary.travelClass
        passengerCount = summary.passengerCount
        total = summary.total
        currency = summary.currency
        holdExpiresAt = summary.status.isUnpaid ? LocalTime.iso8601(summary.holdExpiresAt) : nil
        createdAt = LocalTime.iso8601(summary.createdAt)
        operatorCancellation = summary.operatorCancellation.map {
            BookingJSON.OperatorCancellationJSON(
                reason: $0.reason, at: LocalTime.iso8601($0.at),
                options: BookingJSON.cancellationOptions(summary.status))
        }
    }
}

struct BookingListJSON: Encodable, Sendable {
    let bookings: [BookingSummaryJSON]
}

/// How a booking made by an exchange was priced.
struct ExchangeJSON: Encodable, Sendable {
    /// The PNR exchanged.
    let of: String
    let credit: Int
    let feePercent: Int
    let fee: Int
    let amountDue: Int
    let refund: Int

    init(_ terms: ExchangeTerms) {
        of = terms.of
        credit = terms.credit
        feePercent = terms.feePercent
        fee = terms.fee
        amountDue = terms.amountDue
        refund = terms.refund
    }
}

/// `GET /api/v1/bookings/{pnr}/exchange?tripId=&class=`: what moving the booking there would cost.
struct ExchangeQuoteJSON: Encodable, Sendable {
    let pnr: String
    let trip: JourneyJSON.TripJSON
    let from: JourneyJSON.StopJSON
    let to: JourneyJSON.StopJSON
    let travelClass: String
    /// The new fare of the party.
    let total: Int
    let currency: String
    let credit: Int
    let feePercent: Int
    let fee: Int
    /// total − credit + fee: positive, to pay (amountDue); negative, paid back (refund).
    let difference: Int
    let amountDue: Int
    let refund: Int

    enum CodingKeys: String, CodingKey {
        case pnr, trip, from, to, travelClass = "class", total, currency, credit, feePercent, fee, difference
        case amountDue, refund
    }

    init(_ quote: ExchangeQuote) {
        let journey = JourneyJSON(Journey(
            tripID: quote.map.tripId, trainNumber: quote.map.trainNumber, service: quote.map.service,
            serviceDate: quote.map.serviceDate, from: quote.map.from, to: quote.map.to, departure: quote.departure,
            arrival: quote.arrival))
        pnr = quote.old.pnr
        trip = journey.trip
        from = journey.from
        to = journey.to
        travelClass = quote.travelClass
        total = quote.total
        currency = quote.old.currency
        credit = quote.terms.credit
        feePercent = quote.terms.feePercent
        fee = quote.terms.fee
        difference = quote.total - quote.terms.credit + quote.terms.fee
        amountDue = quote.terms.amountDue
        refund = quote.terms.refund
    }
}
