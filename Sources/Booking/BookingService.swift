import Foundation
import Logging
import SetragKernel

/// The booking saga's steps that booking runs itself: hold seats in inventory, then store the booking (releasing the
/// hold if storing fails); cancel; take a payment; expire unpaid bookings. No HTTP types: routes call these.
public struct BookingService: Sendable {
    let store: any BookingStore
    let inventory: any InventoryClient
    /// Signs the tickets stored when a booking is confirmed.
    let tickets: TicketIssuer
    let pnrs: PNRGenerator
    /// How long inventory holds the seats for payment; nil: inventory's own default (`inventory.hold_minutes`).
    let holdSeconds: Int?
    let logger: Logger

    public init(store: any BookingStore, inventory: any InventoryClient, tickets: TicketIssuer,
                pnrs: PNRGenerator = .live, holdSeconds: Int? = nil, logger: Logger) {
        self.store = store
        self.inventory = inventory
        self.tickets = tickets
        self.pnrs = pnrs
        self.holdSeconds = holdSeconds
        self.logger = logger
    }

    /// Who may see every booking: staff at counters, on trains and in operations.
    static let staffPermissions: [Permission] = [.counterSell, .ticketsVerify, .manifestRead, .operationsManage]
    /// Who may cancel bookings that are not theirs.
    static let staffChangePermissions: [Permission] = [.counterSell, .operationsManage]

    public func fares() async throws -> FareBook {
        guard let fares = try await store.fareBook() else { throw BookingError.faresNotLoaded }
        return fares
    }

    // MARK: create

    /// Holds the seats and stores the booking, awaiting payment. When inventory refuses, nothing is stored; when
    /// storing fails, the hold is released. A request run again under the same use of an Idempotency-Key (after a
    /// crash) gets the booking the first run made.
    public func create(_ request: BookingRequest, caller: Principal, idempotencyUse: Data?, now: Date) async throws
        -> BookingRecord
    {
        if let idempotencyUse, let made = try await store.booking(idempotencyUse: idempotencyUse) { return made }
        let fares = try await fares()
        let draft = try BookingDraft.check(request, fares: fares)
        if draft.ownerID != nil, !caller.has(.counterSell) {
            throw ProblemError.forbidden("Only counter agents may book for someone else")
        }
        let map = try await inventory.seatMap(tripID: draft.tripID, from: draft.from, to: draft.to)
        try checkSeats(draft, map: map)
        guard let departureText = map.from.departure, let arrivalText = map.to.arrival,
              let departure = try? Date(departureText, strategy: .iso8601),
              let arrival = try? Date(arrivalText, strategy: .iso8601) else {
            throw BookingError.inventoryUnavailable("the seat map has no times")
        }
        let metres = try await distance(from: map.from.code, to: map.to.code)
        let passengers = try draft.passengers.map { passenger -> BookedPassenger in
            guard let fare = fares.fare(draft.travelClass, passengerType: passenger.type, metres: metres) else {
                throw BookingError.invalid([.init(field: "class", code: "no-fare")])
            }
            return BookedPassenger(type: passenger.type, name: passenger.name, idNumber: passenger.idNumber,
                                   seat: passenger.seat, fare: fare)
        }
        var pnr = try await freshPNR()
        let chosen = draft.chosenSeats
        let hold = try await inventory.hold(InventoryHoldRequest(
            tripId: draft.tripID, from: map.from.code, to: map.to.code, seats: chosen.isEmpty ? nil : chosen,
            travelClass: chosen.isEmpty ? draft.travelClass : nil, count: chosen.isEmpty ? draft.seated.count : nil,
            reference: pnr, ttlSeconds: holdSeconds))
        do {
            guard let expiresAt = hold.expiry, hold.seats.count == draft.seated.count else {
                throw BookingError.inventoryUnavailable("the hold does not match the request")
            }
            var booking = BookingRecord(
                pnr: pnr, status: .held, ownerID: draft.ownerID ?? caller.subject,
                soldBy: caller.has(.counterSell) ? caller.subject : nil,
                journey: Journey(tripID: map.tripId, trainNumber: map.trainNumber, service: map.service,
                                 serviceDate: map.serviceDate, from: .init(code: map.from.code, name: map.from.name),
                                 to: .init(code: map.to.code, name: map.to.name), departure: departure,
                                 arrival: arrival),
                travelClass: draft.travelClass, distanceMetres: metres,
                passengers: Self.seat(passengers, draft: draft, held: hold.seats), contactPhone: draft.contactPhone,
                total: passengers.reduce(0) { $0 + $1.fare }, currency: fares.currency, holdID: hold.id,
                holdExpiresAt: expiresAt, refundAmount: nil, createdAt: now, paidAt: nil, cancelledAt: nil)
            for attempt in 1...3 {
                do {
                    try await store.insert(booking, idempotencyUse: idempotencyUse)
                    return booking
                } catch BookingStoreError.duplicatePNR where attempt < 3 {
                    // Another booking took the PNR between the check and the insert (the hold keeps the first as
                    // its reference; the booking knows the hold by its id).
                    pnr = try await freshPNR()
                    booking.pnr = pnr
                }
            }
            throw BookingStoreError.duplicatePNR
        } catch {
            await releaseQuietly(hold.id, pnr: pnr)
            if (error as? BookingStoreError) == .duplicateIdempotencyUse, let idempotencyUse,
               let made = try await store.booking(idempotencyUse: idempotencyUse) {
                return made
            }
            throw error
        }
    }

    /// Chosen seats must be of the class booked (inventory checks that they exist and are free).
    func checkSeats(_ draft: BookingDraft, map: InventorySeatMap) throws {
        var errors: [Problem.FieldError] = []
        if !map.coaches.contains(where: { $0.travelClass == draft.travelClass }) {
            errors.append(.init(field: "class", code: "not-on-train",
                                message: "train \(map.trainNumber) has no class \(draft.travelClass)"))
        }
        for (index, passenger) in draft.passengers.enumerated() {
            guard let seat = passenger.seat, let travelClass = map.travelClass(ofCoach: seat.coach),
                  travelClass != draft.travelClass else { continue }
            errors.append(.init(field: "passengers.\(index).seat", code: "wrong-class",
                                message: "coach \(seat.coach) is \(travelClass), not \(draft.travelClass)"))
        }
        if !errors.isEmpty { throw BookingError.invalid(errors) }
    }

    /// The passengers with the seats inventory held: the chosen ones, or those it chose, in the order given.
    static func seat(_ passengers: [BookedPassenger], draft: BookingDraft, held: [SeatRef]) -> [BookedPassenger] {
        guard draft.chosenSeats.isEmpty else { return passengers }
        var seats = held.sorted { ($0.coach, $0.seat) < ($1.coach, $1.seat) }.makeIterator()
        return zip(passengers, draft.passengers).map { passenger, entry in
            var passenger = passenger
            if entry.needsSeat { passenger.seat = seats.next() }
            return passenger
        }
    }

    /// Metres between two stations' kilometre points, from inventory's station list.
    func distance(from: String, to: String) async throws -> Int {
        let stations = try await inventory.stations()
        guard let a = stations.first(where: { $0.code == from }),
              let b = stations.first(where: { $0.code == to }) else {
            throw BookingError.inventoryUnavailable("unknown station in inventory's answer")
        }
        return FareBook.metres(fromKm: a.km, toKm: b.km)
    }

    func freshPNR() async throws -> String {
        for _ in 0..<10 {
            let pnr = pnrs.next()
            if try await !store.pnrExists(pnr) { return pnr }
        }
        throw BookingStoreError.duplicatePNR
    }

    func releaseQuietly(_ hold: Int, pnr: String) async {
        do {
            _ = try await inventory.release(hold: hold)
        } catch {
            // The hold runs out by itself; its seats are only unavailable until then.
            logger.warning("could not release a hold", metadata: ["hold": "\(hold)", "pnr": "\(pnr)",
                                                                  "error": "\(error)"])
        }
    }

    // MARK: read

    /// The booking when the caller owns it or is staff; otherwise not found (PNRs cannot be probed).
    public func booking(_ pnr: String, caller: Principal) async throws -> BookingRecord {
        let pnr = pnr.uppercased()
        guard PNRGenerator.isWellFormed(pnr), let booking = try await store.booking(pnr: pnr),
              booking.ownerID == caller.subject || Self.staffPermissions.contains(where: caller.has) else {
            throw BookingError.bookingNotFound
        }
        return booking
    }

    public func bookings(of caller: Principal, limit: Int = 50) async throws -> [BookingSummary] {
        try await store.bookings(owner: caller.subject, limit: limit)
    }

    // MARK: cancel

    /// Cancels a booking: an unpaid one becomes `cancelled` (nothing to refund); a paid one `refund_pending` with
    /// the refund the fare rules give at `now` (all of it when SETRAG cancelled the trip, whenever it is asked). The
    /// seats go back on sale. After departure, a customer cannot cancel a trip that runs (409).
    public func cancel(_ pnr: String, caller: Principal, now: Date) async throws -> BookingRecord {
        let booking = try await booking(pnr, caller: caller)
        guard booking.ownerID == caller.subject || Self.staffChangePermissions.contains(where: caller.has) else {
            throw ProblemError.forbidden("Only the booking's owner or a counter agent may cancel it")
        }
        switch booking.status {
        case .held, .awaitingPayment:
            guard booking.journey.departure > now else { throw BookingError.departed }
            let change = StatusChange(to: .cancelled, refundAmount: 0, cancelledAt: now)
            guard try await store.transition(pnr: booking.pnr, from: [.held, .awaitingPayment], change, now: now) else {
                return try await cancelAgain(booking.pnr, caller: caller, now: now)
            }
            await releaseQuietly(booking.holdID, pnr: booking.pnr)
        case .confirmed:
            let fares = try await fares()
            let cause = try await cancellationCause(booking)
            guard let quote = fares.quote(.refund, cause: cause, amount: booking.total,
                                          departure: booking.journey.departure, now: now) else {
                throw BookingError.departed
            }
            // Seats back on sale first: a failure here leaves the booking as it was, to be cancelled again.
            _ = try await inventory.release(hold: booking.holdID)
            let change = StatusChange(to: .refundPending, refundAmount: quote.remainder, cancelledAt: now)
            // The refund is written with the change (booking's outbox): payments pays it back to the payer.
            let refund = quote.remainder > 0
                ? BookingRefundDue(pnr: booking.pnr, amount: quote.remainder, currency: booking.currency,
                                   reason: cause == .operator ? "trip-cancelled" : "cancellation",
                                   paidUnder: try await store.paidUnder(pnr: booking.pnr), dueAt: now)
                : nil
            guard try await store.cancelPaid(pnr: booking.pnr, change, refund: refund, now: now) else {
                return try await cancelAgain(booking.pnr, caller: caller, now: now)
            }
        default:
            throw BookingError.wrongState(action: "cancelled", status: booking.status)
        }
        return try await self.booking(booking.pnr, caller: caller)
    }

    /// Who cancelled: SETRAG when booking recorded inventory's `TripCancelled` for the trip. Until that event has
    /// arrived (the consumer catches up within its interval), inventory's own status of the trip says so: a customer
    /// never pays a fee for a trip SETRAG cancelled.
    func cancellationCause(_ booking: BookingRecord) async throws -> FareBook.Cause {
        if booking.operatorCancellation != nil { return .operator }
        let trip = try await inventory.seatMap(tripID: booking.journey.tripID, from: booking.journey.from.code,
                                               to: booking.journey.to.code)
        return trip.status == "cancelled" ? .operator : .customer
    }

    /// The booking changed state while being cancelled: once more, from its new state.
    func cancelAgain(_ pnr: String, caller: Principal, now: Date) async throws -> BookingRecord {
        let current = try await booking(pnr, caller: caller)
        guard [.held, .awaitingPayment, .confirmed].contains(current.status) else {
            throw BookingError.wrongState(action: "cancelled", status: current.status)
        }
        return try await cancel(pnr, caller: caller, now: now)
    }

    // MARK: payment

    /// A payment arrived (from the payments service): inventory sells the held seats and the booking is confirmed,
    /// with its tickets (one per passenger) stored in the same transaction. When the hold had expired and its seats
    /// were sold meanwhile, or the booking was cancelled, the money is owed back in full (`refund_due`). Repeating
    /// it changes nothing.
    public func paid(_ pnr: String, now: Date) async throws -> BookingRecord {
        let pnr = pnr.uppercased()
        guard PNRGenerator.isWellFormed(pnr), let booking = try await store.booking(pnr: pnr) else {
            throw BookingError.bookingNotFound
        }
        switch booking.status {
        case .confirmed, .refundDue, .refundPending, .refunded, .exchanged:
            return booking
        case .cancelled:
            let change = StatusChange(to: .refundDue, refundAmount: booking.amountDue, paidAt: now)
            _ = try await store.transition(pnr: pnr, from: [.cancelled], change, now: now)
        case .held, .awaitingPayment, .expired:
            // Signed before the seats are sold: a failure here leaves nothing to undo.
            let issued = try await tickets.tickets(for: booking, now: now)
            do {
                _ = try await inventory.confirm(hold: booking.holdID)
            } catch BookingError.inventoryRefused(let problem) where problem.status == .conflict {
                let change = StatusChange(to: .refundDue, refundAmount: booking.amountDue, paidAt: now)
                _ = try await store.transition(pnr: pnr, from: [.held, .awaitingPayment, .expired], change, now: now)
                logger.info("paid too late: the seats were sold", metadata: ["pnr": "\(pnr)"])
                return try await store.booking(pnr: pnr) ?? booking
            }
            let change = StatusChange(to: .confirmed, paidAt: now)
            if let exchange = booking.exchange {
                try await paidExchange(booking, of: exchange.of, change: change, tickets: issued, now: now)
            } else if try await !store.confirm(pnr: pnr, from: [.held, .awaitingPayment, .expired], change, tickets: issued,
                                        now: now) {
                // No longer waiting for its payment. Either another report of the same payment confirmed it meanwhile
                // (the provider's callback and payments' reconciler can both tell us): the seats are sold, keep them.
                // Or it was cancelled while inventory was selling the seats: put them back, and owe the money.
                try await releaseIfCancelled(pnr, hold: booking.holdID, amount: booking.amountDue, now: now)
            }
        }
        return try await store.booking(pnr: pnr) ?? booking
    }

    /// The difference of an exchange is paid and the new seats sold: the new booking is confirmed and the old one
    /// exchanged in one transaction, then the old seats are released. When the old booking was cancelled meanwhile,
    /// the new seats go back and the difference is owed back (`refund_due`).
    func paidExchange(_ booking: BookingRecord, of old: String, change: StatusChange, tickets: [IssuedTicket],
                      now: Date) async throws {
        switch try await store.confirmExchange(pnr: booking.pnr, from: [.held, .awaitingPayment, .expired], change,
                                               tickets: tickets, old: old, now: now) {
        case .confirmed:
            if let retired = try await store.booking(pnr: old) { await releaseRetired(retired) }
        case .notPending:
            try await releaseIfCancelled(booking.pnr, hold: booking.holdID, amount: booking.amountDue, now: now)
        case .oldBookingChanged:
            await releaseQuietly(booking.holdID, pnr: booking.pnr)
            let refund = StatusChange(to: .refundDue, refundAmount: booking.amountDue, paidAt: now)
            _ = try await store.transition(pnr: booking.pnr, from: [.held, .awaitingPayment, .expired, .cancelled], refund,
                                           now: now)
            logger.warning("exchange paid after its booking changed; the difference is owed back",
                           metadata: ["pnr": "\(booking.pnr)", "old": "\(old)"])
        }
    }

    /// After a confirmation found the booking no longer waiting for its payment: when it was cancelled meanwhile, its
    /// seats go back and the payment is owed back; when it is confirmed (the same payment reported twice at once),
    /// nothing is touched — releasing the seats of a confirmed booking would sell them twice.
    func releaseIfCancelled(_ pnr: String, hold: Int, amount: Int, now: Date) async throws {
        guard let current = try await store.booking(pnr: pnr), current.status == .cancelled else { return }
        let refund = StatusChange(to: .refundDue, refundAmount: amount, paidAt: now)
        if try await store.transition(pnr: pnr, from: [.cancelled], refund, now: now) {
            await releaseQuietly(hold, pnr: pnr)
        }
    }

    /// Payments started paying the booking (`payment`): held → awaiting_payment. A hold that ran out is marked
    /// expired here and then, so that no payment starts for seats no longer held. Answers the booking as it is.
    public func paymentStarted(_ pnr: String, payment: String, now: Date) async throws -> BookingRecord {
        let pnr = pnr.uppercased()
        guard PNRGenerator.isWellFormed(pnr), let booking = try await store.booking(pnr: pnr) else {
            throw BookingError.bookingNotFound
        }
        guard booking.status.isUnpaid else { return booking }
        if try await !store.paymentStarted(pnr: pnr, payment: payment, now: now), booking.holdExpiresAt <= now {
            _ = try await store.transition(pnr: pnr, from: [.held, .awaitingPayment], StatusChange(to: .expired),
                                           now: now)
        }
        return try await store.booking(pnr: pnr) ?? booking
    }

    /// That payment ended without paying: awaiting_payment → held, if it is still the payment under way.
    public func paymentEnded(_ pnr: String, payment: String, now: Date) async throws -> BookingRecord {
        let pnr = pnr.uppercased()
        guard PNRGenerator.isWellFormed(pnr), let booking = try await store.booking(pnr: pnr) else {
            throw BookingError.bookingNotFound
        }
        guard booking.status == .awaitingPayment,
              try await store.paymentEnded(pnr: pnr, payment: payment, now: now) else { return booking }
        return try await store.booking(pnr: pnr) ?? booking
    }

    // MARK: expiry

    /// Marks bookings whose hold ran out unpaid as expired (inventory's own sweeper frees their seats).
    public func expireUnpaid(now: Date, limit: Int = 500) async throws -> Int {
        try await store.expireUnpaid(now: now, limit: limit)
    }
}
