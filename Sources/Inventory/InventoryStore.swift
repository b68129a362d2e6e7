import Foundation

/// A trip found by a search: when it leaves the boarding station and reaches the alighting one.
public struct TripDeparture: Sendable, Equatable {
    public var tripID: Int
    public var trainNumber: Int
    public var service: String
    public var serviceDate: LocalDate
    public var departure: Date
    public var arrival: Date
}

/// A dated trip with its stops and its own copy of the consist.
public struct TripRecord: Sendable, Equatable {
    public struct Stop: Sendable, Equatable {
        public var seq: Int
        public var station: String
        public var arrival: Date?
        public var departure: Date?
    }

    public struct Coach: Sendable, Equatable {
        /// Place in the train from the locomotive, 1 first: the coach number passengers see.
        public var position: Int
        public var type: CoachType
    }

    public var id: Int
    public var trainNumber: Int
    public var serviceDate: LocalDate
    public var service: String
    public var direction: String
    public var status: String
    public var stops: [Stop]
    public var coaches: [Coach]
    /// The locomotive planned for the trip (`CC 2201`), nil while none is.
    public var locomotive: String? = nil
}

/// One seat of one trip.
public struct SeatKey: Hashable, Sendable {
    public var coach: Int
    public var seat: Int
    public init(coach: Int, seat: Int) {
        self.coach = coach
        self.seat = seat
    }
}

/// What one `setrag seed` changed.
public struct SeedReport: Sendable, Equatable {
    /// Rows of reference data inserted, updated or deleted.
    public var referenceRowsChanged: Int
    public var tripsCreated: Int
    public var tripsExisting: Int
}

/// Inventory's storage. The MySQL implementation is the one that runs; tests use it against the real server.
///
/// A seat-leg is free when it has no hold, or its hold has expired (`hold_expires_at <= now`); a hold without an
/// expiry is a confirmed booking.
public protocol InventoryStore: Sendable {
    func stations() async throws -> [Station]
    func linePoints() async throws -> [LinePoint]
    /// Travel classes in display order (VIP first).
    func travelClasses() async throws -> [TravelClass]
    func timetable() async throws -> [TimetableTrain]

    /// Scheduled trips leaving `from` within `window` and stopping at `to` afterwards, earliest first.
    func departures(from: String, to: String, within window: Range<Date>) async throws -> [TripDeparture]
    /// The first `limit` departure instants from `from` towards `to` at or after `after`.
    func nextDepartures(from: String, to: String, after: Date, limit: Int) async throws -> [Date]
    /// The first `limit` departure instants from `from` towards `to` within `window`.
    func departureInstants(from: String, to: String, within window: Range<Date>, limit: Int) async throws -> [Date]
    /// For each trip, each class it carries and the number of its seats free on every leg of `legs`.
    func freeSeatsByClass(trips: [Int], legs: ClosedRange<Int>, now: Date) async throws -> [Int: [String: Int]]
    func trip(id: Int) async throws -> TripRecord?
    /// The ids of the trips on the line during `window`: leaving their origin before its end and reaching their
    /// destination after its start.
    func trips(running window: Range<Date>) async throws -> [Int]
    /// The seats of the trip free on every leg of `legs`.
    func freeSeats(trip: Int, legs: ClosedRange<Int>, now: Date) async throws -> Set<SeatKey>

    /// Loads reference data (idempotent); returns the number of rows it changed.
    func save(_ data: ReferenceData) async throws -> Int
    /// Train numbers of the trips already made for each date of `dates`.
    func existingTrips(_ dates: ClosedRange<LocalDate>) async throws -> [LocalDate: Set<Int>]
    /// Creates the trip, its stops, its copy of the consist and its seat-legs in one transaction; false when a
    /// trip of that train and date exists already.
    func create(_ trip: PlannedTrip, now: Date) async throws -> Bool

    /// Takes `seats` on every leg of `legs` until `expiresAt`, all or none: one conditional write whose affected-row
    /// count proves every seat-leg was free.
    func claim(trip: Int, from: String, to: String, legs: ClosedRange<Int>, seats: [SeatKey], reference: String,
               expiresAt: Date, now: Date) async throws -> SeatClaim
    func hold(id: Int) async throws -> HoldRecord?
    /// Sells a hold's seats (idempotent); an expired hold takes them again when they are still free. Nil: no hold.
    func confirm(hold id: Int, now: Date) async throws -> SeatClaim?
    /// Frees a hold's seats, whatever its state (a cancelled booking releases sold seats too). Nil: no hold.
    func release(hold id: Int, now: Date) async throws -> HoldRecord?
    /// Marks holds past their expiry as expired and frees their seat-legs, at most `limit` at a time; returns how
    /// many it expired.
    func expireHolds(now: Date, limit: Int) async throws -> Int

    /// Cancels the trip and appends `TripCancelled` to the outbox, in one transaction: both or neither. A trip
    /// cancelled already comes back as it was, with `changed` false (nothing is written). Nil: no such trip.
    func cancel(trip id: Int, reason: String, requestID: String?, now: Date) async throws -> TripCancellation?

    /// The trip of `train` on `date`, if there is one.
    func tripID(train: Int, date: LocalDate) async throws -> Int?
    /// Gives the trip the coach types `coaches` (in train order), in one transaction, when every seat sold or held
    /// keeps its coach number, class and seat number; otherwise throws ``InventoryError/consistConflicts(_:)`` and
    /// changes nothing. Nil: no such trip.
    func changeConsist(trip id: Int, to coaches: [String], now: Date) async throws -> TripRecord?
    /// Plans `locomotive` for the trip (nil: none). Throws ``InventoryError/tripClosed(_:)`` for a cancelled trip or
    /// one that has arrived. Nil: no such trip.
    func planLocomotive(trip id: Int, locomotive: String?, now: Date) async throws -> TripRecord?
}
