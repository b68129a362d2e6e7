import Foundation
import Hummingbird
import SetragKernel

/// Seats of one trip taken over the legs of one journey for a caller's reference (a booking).
public struct HoldRecord: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Taken until `expiresAt`, then free again for others.
        case held
        /// Sold: taken for good (until released).
        case confirmed
        case released
        case expired
    }

    public var id: Int
    public var tripID: Int
    public var from: String
    public var to: String
    public var legs: ClosedRange<Int>
    public var reference: String
    public var status: Status
    public var expiresAt: Date
    public var seats: [SeatKey]
}

/// What a conditional write on seat-legs found.
public enum SeatClaim: Sendable, Equatable {
    case done(HoldRecord)
    /// Some seats are not free on every leg: nothing was taken.
    case taken([SeatKey])
}

/// The body of `POST /internal/holds`: either chosen seats, or a class and a count for the service to choose.
public struct HoldRequest: JSONRequestBody {
    public struct SeatJSON: Codable, Sendable, Hashable {
        public var coach: Int
        public var seat: Int
    }

    public static let fields: Set<String> = ["tripId", "from", "to", "seats", "class", "count", "reference",
                                             "ttlSeconds"]
    public var tripId: Int
    public var from: String
    public var to: String
    public var seats: [SeatJSON]?
    public var travelClass: String?
    public var count: Int?
    public var reference: String
    public var ttlSeconds: Int?

    enum CodingKeys: String, CodingKey {
        case tripId, from, to, seats, travelClass = "class", count, reference, ttlSeconds
    }
}

/// Seat holds: the rules around the one conditional write that takes seat-legs.
public struct HoldService: Sendable {
    public static let maxSeats = 9
    public static let ttlRange = 60...3600
    /// Tries when the service chooses the seats and someone takes one of them between the choice and the write.
    static let attempts = 3

    let store: any InventoryStore
    let search: TripSearch
    /// How long a hold lasts unless the caller asks for less or more (`inventory.hold_minutes`).
    let defaultTTL: Int

    public init(store: any InventoryStore, search: TripSearch, defaultTTL: Int) {
        self.store = store
        self.search = search
        self.defaultTTL = defaultTTL
    }

    /// Takes the seats for the journey, all or none.
    public func hold(_ request: HoldRequest, now: Date) async throws -> HoldRecord {
        var errors: [Problem.FieldError] = []
        let reference = request.reference.trimmingCharacters(in: .whitespaces)
        if reference.isEmpty || reference.count > 64 {
            errors.append(.init(field: "reference", code: "length", message: "1 to 64 characters"))
        }
        let ttl = request.ttlSeconds ?? defaultTTL
        if !Self.ttlRange.contains(ttl) {
            errors.append(.init(field: "ttlSeconds", code: "out-of-range", message: "60 to 3600 seconds"))
        }
        let chosen = request.seats.map { Array(Set($0)) }
        switch (chosen, request.travelClass, request.count) {
        case (let seats?, nil, nil):
            if seats.isEmpty || seats.count > Self.maxSeats || seats.count != request.seats!.count {
                errors.append(.init(field: "seats", code: "count",
                                    message: "1 to \(Self.maxSeats) different seats"))
            }
        case (nil, _?, let count?):
            if !(1...Self.maxSeats).contains(count) {
                errors.append(.init(field: "count", code: "out-of-range", message: "1 to \(Self.maxSeats)"))
            }
        default:
            errors.append(.init(field: "seats", code: "seats-or-class",
                                message: "send either seats, or class and count"))
        }
        guard request.tripId > 0 else { throw InventoryError.tripNotFound }
        let map: TripSearch.SeatMap
        do {
            map = try await search.seatMap(tripID: request.tripId, from: request.from, to: request.to, now: now)
        } catch InventoryError.invalidQuery(let more) {
            throw InventoryError.invalidQuery(errors + more)
        }
        let trip = map.trip
        if let seats = chosen {
            let known = Set(trip.coaches.flatMap { coach in
                coach.type.seats.map { SeatKey(coach: coach.position, seat: $0.number) }
            })
            for seat in seats.sorted(by: Self.order) where !known.contains(SeatKey(coach: seat.coach, seat: seat.seat)) {
                errors.append(.init(field: "seats", code: "unknown-seat",
                                    message: "train \(trip.trainNumber) has no seat \(seat.seat) in coach \(seat.coach)"))
            }
        }
        if let travelClass = request.travelClass,
           !trip.coaches.contains(where: { $0.type.travelClass == travelClass }) {
            errors.append(.init(field: "class", code: "not-on-train",
                                message: "train \(trip.trainNumber) has no class \(travelClass)"))
        }
        guard errors.isEmpty else { throw InventoryError.invalidQuery(errors) }
        guard trip.status == "scheduled" else { throw InventoryError.tripNotOnSale("the trip is cancelled") }
        guard let departure = map.from.departure, departure > now else {
            throw InventoryError.tripNotOnSale("the train has left \(map.from.station)")
        }

        let legs = try legsOf(map)
        let expiresAt = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + Double(ttl)).rounded(.down))
        if let seats = chosen {
            let keys = seats.map { SeatKey(coach: $0.coach, seat: $0.seat) }
            switch try await store.claim(trip: trip.id, from: map.from.station, to: map.to.station, legs: legs,
                                         seats: keys, reference: reference, expiresAt: expiresAt, now: now) {
            case .done(let hold): return hold
            case .taken(let conflicts): throw InventoryError.seatsTaken(conflicts)
            }
        }
        var free = map.free
        for _ in 0..<Self.attempts {
            guard let seats = SeatChooser.choose(count: request.count!, travelClass: request.travelClass!,
                                                 coaches: trip.coaches, free: free) else {
                throw InventoryError.notEnoughSeats(request.count!)
            }
            switch try await store.claim(trip: trip.id, from: map.from.station, to: map.to.station, legs: legs,
                                         seats: seats, reference: reference, expiresAt: expiresAt, now: now) {
            case .done(let hold): return hold
            case .taken(let conflicts): free.subtract(conflicts)
            }
        }
        throw InventoryError.seatsTaken([])
    }

    /// Sells the held seats: the hold's seat-legs lose their expiry. A hold that expired takes its seats again when
    /// they are still free (a payment that arrived late); when one was sold meanwhile, nothing changes.
    public func confirm(id: Int, now: Date) async throws -> HoldRecord {
        switch try await store.confirm(hold: id, now: now) {
        case nil: throw InventoryError.holdNotFound
        case .done(let hold)?: return hold
        case .taken(let conflicts)?: throw InventoryError.seatsTaken(conflicts)
        }
    }

    func legsOf(_ map: TripSearch.SeatMap) throws -> ClosedRange<Int> {
        guard let a = map.stations.byCode[map.from.station], let b = map.stations.byCode[map.to.station] else {
            throw InventoryError.tripNotFound
        }
        return StationDirectory.legs(between: a, and: b)
    }

    static func order(_ a: HoldRequest.SeatJSON, _ b: HoldRequest.SeatJSON) -> Bool { (a.coach, a.seat) < (b.coach, b.seat) }
}

/// Chooses seats for a group: together in one coach of the class (the fewest rows, window seats first), in train
/// order; a group too large for any one coach is spread over the coaches in order.
public enum SeatChooser {
    public static func choose(count: Int, travelClass: String, coaches: [TripRecord.Coach], free: Set<SeatKey>)
        -> [SeatKey]?
    {
        let candidates = coaches.filter { $0.type.kind == .seats && $0.type.travelClass == travelClass }
        var best: (score: (Int, Int, Int, Int), seats: [SeatKey])?
        for (index, coach) in candidates.enumerated() {
            let seats = coach.type.seats.filter { free.contains(SeatKey(coach: coach.position, seat: $0.number)) }
            guard seats.count >= count else { continue }
            let rows = Dictionary(grouping: seats, by: \.row)
            let rowNumbers = rows.keys.sorted()
            for (start, _) in rowNumbers.enumerated() {
                // Take whole rows from `start` on until the group fits; in the last row, windows first.
                var picked: [Seat] = []
                var end = start
                while picked.count < count, end < rowNumbers.count {
                    let row = rows[rowNumbers[end]]!.sorted(by: windowFirst)
                    picked += row.prefix(count - picked.count)
                    end += 1
                }
                guard picked.count == count else { break }
                let span = rowNumbers[end - 1] - rowNumbers[start]
                let windows = picked.filter { $0.position == .window }.count
                let score = (span, -min(windows, count), index, rowNumbers[start])
                if best == nil || score < best!.score {
                    best = (score, picked.map { SeatKey(coach: coach.position, seat: $0.number) })
                }
            }
        }
        if let best { return best.seats.sorted { ($0.coach, $0.seat) < ($1.coach, $1.seat) } }
        // No single coach has room: fill the coaches in train order.
        var spread: [SeatKey] = []
        for coach in candidates {
            for seat in coach.type.seats.sorted(by: { ($0.row, $0.column) < ($1.row, $1.column) })
            where spread.count < count && free.contains(SeatKey(coach: coach.position, seat: seat.number)) {
                spread.append(SeatKey(coach: coach.position, seat: seat.number))
            }
        }
        return spread.count == count ? spread : nil
    }

    static func windowFirst(_ a: Seat, _ b: Seat) -> Bool {
        let rank = { (seat: Seat) in seat.position == .window ? 0 : seat.position == .aisle ? 1 : 2 }
        return (rank(a), a.column) < (rank(b), b.column)
    }
}
