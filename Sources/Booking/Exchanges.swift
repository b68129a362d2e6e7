import Foundation
import Logging
import SetragEvents
import SetragKernel

/// `BookingRefundDue` v1, owned by booking: money is owed back to the customer for a paid booking (cancelled by its
/// holder, cancelled with a refund after SETRAG cancelled its trip, or exchanged for a cheaper one). Published on
/// `setrag/events/booking/BookingRefundDue` and in booking's `/internal/events` feed; payments pays it back.
///
/// `{"pnr": "K7M2QX", "amount": 27000, "currency": "XAF", "reason": "cancellation",
///   "paidUnder": ["K7M2QX", "A3B4C5"], "dueAt": "2026-11-28T08:00:00Z"}`. reason: `cancellation` (the customer's,
/// fee taken), `trip-cancelled` (SETRAG's: in full) or `exchange` (what the old booking was worth beyond the new one
/// and its fee). paidUnder: the PNRs whose payments paid for it, newest first (the booking, then those it was
/// exchanged from). At most one per PNR.
public struct BookingRefundDue: DomainEvent, Equatable {
    public static let name = "BookingRefundDue"
    public static let version = 1
    public var pnr: String
    public var amount: Int
    public var currency: String
    public var reason: String
    public var paidUnder: [String]
    public var dueAt: Date

    public init(pnr: String, amount: Int, currency: String, reason: String, paidUnder: [String], dueAt: Date) {
        self.pnr = pnr
        self.amount = amount
        self.currency = currency
        self.reason = reason
        self.paidUnder = paidUnder
        self.dueAt = dueAt
    }
}

/// The body of `POST /api/v1/bookings/{pnr}/exchange`: the trip to move to (same journey), its class (default: the
/// booking's), and optionally a seat for each passenger who takes one, in the booking's order (default: inventory
/// seats the party together).
public struct ExchangeRequest: JSONRequestBody {
    public static let fields: Set<String> = ["tripId", "class", "seats"]
    public var tripId: Int
    public var travelClass: String?
    public var seats: [SeatRef]?

    public init(tripId: Int, travelClass: String? = nil, seats: [SeatRef]? = nil) {
        self.tripId = tripId
        self.travelClass = travelClass
        self.seats = seats
    }

    enum CodingKeys: String, CodingKey { case tripId, travelClass = "class", seats }
}

/// What an exchange would cost, worked out from the booking, the new trip and the fare rules (nothing held).
public struct ExchangeQuote: Sendable, Equatable {
    public var old: BookingRecord
    public var map: InventorySeatMap.Summary
    public var travelClass: String
    public var passengers: [BookedPassenger]
    public var terms: ExchangeTerms
    public var departure: Date
    public var arrival: Date

    public var total: Int { passengers.reduce(0) { $0 + $1.fare } }
}

extension InventorySeatMap {
    /// The trip a seat map is of, without its coaches.
    public struct Summary: Sendable, Equatable {
        public var tripId: Int
        public var trainNumber: Int
        public var service: String
        public var serviceDate: String
        public var from: Journey.Stop
        public var to: Journey.Stop
    }

    var summary: Summary {
        Summary(tripId: tripId, trainNumber: trainNumber, service: service, serviceDate: serviceDate,
                from: .init(code: from.code, name: from.name), to: .init(code: to.code, name: to.name))
    }
}

extension BookingService {
    // MARK: exchange

    /// The price of moving a confirmed booking to `request`'s trip and class: 404 for a booking the caller may not
    /// see, 403 for one they may not change, 409 when it is not confirmed or the rules allow no exchange any more
    /// (departed), 422 for a trip, class or seats that cannot be used (or the same trip and class).
    public func exchangeQuote(_ pnr: String, _ request: ExchangeRequest, caller: Principal, now: Date) async throws
        -> ExchangeQuote
    {
        let old = try await booking(pnr, caller: caller)
        guard old.ownerID == caller.subject || Self.staffChangePermissions.contains(where: caller.has) else {
            throw ProblemError.forbidden("Only the booking's owner or a counter agent may exchange it")
        }
        guard old.status == .confirmed else { throw BookingError.wrongState(action: "exchanged", status: old.status) }
        let fares = try await fares()
        let travelClass = request.travelClass ?? old.travelClass
        var errors: [Problem.FieldError] = []
        if request.tripId < 1 || request.tripId > Int(UInt32.max) {
            errors.append(.init(field: "tripId", code: "out-of-range", message: "a trip id from the trip search"))
        }
        if fares.travelClass(travelClass) == nil {
            errors.append(.init(field: "class", code: "unknown-class",
                                message: "one of \(fares.classes.map(\.code).joined(separator: ", "))"))
        }
        let seated = old.passengers.filter { $0.seat != nil }.count
        if let seats = request.seats {
            if seats.count != seated {
                errors.append(.init(field: "seats", code: "count",
                                    message: "one seat for each of the \(seated) passengers who take one"))
            } else if Set(seats).count != seats.count {
                errors.append(.init(field: "seats", code: "seats-repeated", message: "each seat once"))
            } else if seats.contains(where: { !(1...255).contains($0.coach) || !(1...255).contains($0.seat) }) {
                errors.append(.init(field: "seats", code: "out-of-range"))
            }
        }
        if request.tripId == old.journey.tripID, travelClass == old.travelClass {
            errors.append(.init(field: "tripId", code: "same-trip",
                                message: "the booking is on this trip in this class already"))
        }
        if !errors.isEmpty { throw BookingError.invalid(errors) }

        let cause = try await cancellationCause(old)
        guard let fee = fares.quote(.exchange, cause: cause, amount: old.total, departure: old.journey.departure,
                                    now: now) else {
            throw BookingError.departed
        }
        let map = try await inventory.seatMap(tripID: request.tripId, from: old.journey.from.code,
                                              to: old.journey.to.code)
        guard map.from.code == old.journey.from.code, map.to.code == old.journey.to.code else {
            let journey = "\(old.journey.from.code) to \(old.journey.to.code)"
            throw BookingError.invalid([.init(field: "tripId", code: "other-journey",
                                              message: "a trip from \(journey)")])
        }
        if map.status == "cancelled" {
            throw BookingError.invalid([.init(field: "tripId", code: "trip-cancelled",
                                              message: "SETRAG cancelled this trip")])
        }
        guard let departureText = map.from.departure, let arrivalText = map.to.arrival,
              let departure = try? Date(departureText, strategy: .iso8601),
              let arrival = try? Date(arrivalText, strategy: .iso8601) else {
            throw BookingError.inventoryUnavailable("the seat map has no times")
        }
        guard departure > now else { throw BookingError.departed }
        var seatErrors: [Problem.FieldError] = []
        if !map.coaches.contains(where: { $0.travelClass == travelClass }) {
            seatErrors.append(.init(field: "class", code: "not-on-train",
                                    message: "train \(map.trainNumber) has no class \(travelClass)"))
        }
        for (index, seat) in (request.seats ?? []).enumerated() {
            guard let coachClass = map.travelClass(ofCoach: seat.coach), coachClass != travelClass else { continue }
            seatErrors.append(.init(field: "seats.\(index)", code: "wrong-class",
                                    message: "coach \(seat.coach) is \(coachClass), not \(travelClass)"))
        }
        if !seatErrors.isEmpty { throw BookingError.invalid(seatErrors) }
        var chosen = (request.seats ?? []).makeIterator()
        let passengers = try old.passengers.map { passenger -> BookedPassenger in
            guard let fare = fares.fare(travelClass, passengerType: passenger.type, metres: old.distanceMetres) else {
                throw BookingError.invalid([.init(field: "class", code: "no-fare")])
            }
            var moved = passenger
            moved.fare = fare
            if passenger.seat != nil { moved.seat = chosen.next() }
            return moved
        }
        let total = passengers.reduce(0) { $0 + $1.fare }
        return ExchangeQuote(old: old, map: map.summary, travelClass: travelClass, passengers: passengers,
                             terms: ExchangeTerms(of: old.pnr, credit: old.total, feePercent: fee.feePercent,
                                                  fee: fee.fee, newTotal: total),
                             departure: departure, arrival: arrival)
    }

    /// Moves a confirmed booking to another trip or class of the same journey: the new seats are held in inventory
    /// first, and a new booking (new PNR) is made for them. When nothing is left to pay, the exchange completes at
    /// once: inventory sells the new seats, then one transaction stores the new booking confirmed with its tickets,
    /// makes the old one `exchanged` (its tickets stop) and writes the refund of any difference to the outbox; the
    /// old seats are released after that. Otherwise the new booking waits for the difference (`amountDue`) like any
    /// booking waits for payment, and the old one stays good until that payment arrives. Any failure releases the
    /// new seats and leaves the old booking as it was.
    public func exchange(_ pnr: String, _ request: ExchangeRequest, caller: Principal, idempotencyUse: Data?,
                         now: Date) async throws -> BookingRecord
    {
        if let idempotencyUse, let made = try await store.booking(idempotencyUse: idempotencyUse) { return made }
        let quote = try await exchangeQuote(pnr, request, caller: caller, now: now)
        let old = quote.old
        let chosen = request.seats ?? []
        let count = old.passengers.filter { $0.seat != nil }.count
        let newPNR = try await freshPNR()
        let hold = try await inventory.hold(InventoryHoldRequest(
            tripId: quote.map.tripId, from: quote.map.from.code, to: quote.map.to.code,
            seats: chosen.isEmpty ? nil : chosen, travelClass: chosen.isEmpty ? quote.travelClass : nil,
            count: chosen.isEmpty ? count : nil, reference: newPNR, ttlSeconds: holdSeconds))
        do {
            guard let expiresAt = hold.expiry, hold.seats.count == count else {
                throw BookingError.inventoryUnavailable("the hold does not match the request")
            }
            var held = hold.seats.sorted { ($0.coach, $0.seat) < ($1.coach, $1.seat) }.makeIterator()
            let passengers = quote.passengers.enumerated().map { index, passenger in
                var passenger = passenger
                if old.passengers[index].seat != nil, chosen.isEmpty { passenger.seat = held.next() }
                return passenger
            }
            let done = quote.terms.amountDue == 0
            let booking = BookingRecord(
                pnr: newPNR, status: done ? .confirmed : .held, ownerID: old.ownerID,
                soldBy: caller.has(.counterSell) ? caller.subject : old.soldBy,
                journey: Journey(tripID: quote.map.tripId, trainNumber: quote.map.trainNumber,
                                 service: quote.map.service, serviceDate: quote.map.serviceDate,
                                 from: quote.map.from, to: quote.map.to, departure: quote.departure,
                                 arrival: quote.arrival),
                travelClass: quote.travelClass, distanceMetres: old.distanceMetres, passengers: passengers,
                contactPhone: old.contactPhone, total: quote.total, currency: old.currency, holdID: hold.id,
                holdExpiresAt: expiresAt, refundAmount: nil, createdAt: now, paidAt: done ? now : nil,
                cancelledAt: nil, exchange: quote.terms)
            guard done else {
                try await store.insert(booking, idempotencyUse: idempotencyUse)
                logger.info("exchange awaiting payment", metadata: ["pnr": "\(old.pnr)", "new": "\(newPNR)",
                                                                    "due": "\(quote.terms.amountDue)"])
                return booking
            }
            // Signed before the seats are sold: a failure here leaves nothing to undo but the hold.
            let issued = try await tickets.tickets(for: booking, now: now)
            _ = try await inventory.confirm(hold: hold.id)
            let refund = quote.terms.refund > 0
                ? BookingRefundDue(pnr: old.pnr, amount: quote.terms.refund, currency: old.currency,
                                   reason: "exchange", paidUnder: try await store.paidUnder(pnr: old.pnr),
                                   dueAt: now)
                : nil
            guard try await store.completeExchange(booking, tickets: issued, idempotencyUse: idempotencyUse,
                                                   refund: refund, now: now) else {
                let current = try await store.booking(pnr: old.pnr)
                throw BookingError.wrongState(action: "exchanged", status: current?.status ?? old.status)
            }
            await releaseRetired(old)
            logger.info("exchange completed", metadata: ["pnr": "\(old.pnr)", "new": "\(newPNR)",
                                                         "refund": "\(quote.terms.refund)"])
            return try await store.booking(pnr: newPNR) ?? booking
        } catch {
            await releaseQuietly(hold.id, pnr: newPNR)
            if (error as? BookingStoreError) == .duplicateIdempotencyUse, let idempotencyUse,
               let made = try await store.booking(idempotencyUse: idempotencyUse) {
                return made
            }
            throw error
        }
    }

    /// The seats of a booking an exchange replaced go back on sale; when inventory does not answer, the sweeper
    /// tries again (`hold_release_due_at`).
    func releaseRetired(_ old: BookingRecord) async {
        do {
            _ = try await inventory.release(hold: old.holdID)
            try await store.releaseDone(pnr: old.pnr)
        } catch {
            logger.warning("seats of an exchanged booking not released yet",
                           metadata: ["pnr": "\(old.pnr)", "error": "\(error)"])
        }
    }
}
