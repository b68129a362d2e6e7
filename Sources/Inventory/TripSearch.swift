import Foundation
import Synchronization
import SetragKernel

/// A checked trip search: two different stations, a travel date from today on, 1 to 9 passengers.
public struct TripQuery: Sendable, Equatable {
    public static let passengers = 1...9

    public var from: Station
    public var to: Station
    /// The local date the passengers leave `from`.
    public var date: LocalDate
    public var passengers: Int

    /// Every problem of the raw parameters at once.
    public static func parse(from: String?, to: String?, date: String?, passengers: String?,
                             stations: StationDirectory, today: LocalDate) throws(InventoryError) -> TripQuery
    {
        var errors: [Problem.FieldError] = []
        let origin = station(from, field: "from", stations: stations, errors: &errors)
        let destination = station(to, field: "to", stations: stations, errors: &errors)
        if let origin, let destination, origin.code == destination.code {
            errors.append(.init(field: "to", code: "same-station", message: "from and to are the same station"))
        }
        var day: LocalDate?
        if let date, !date.isEmpty {
            day = LocalDate(iso: date)
            if day == nil {
                errors.append(.init(field: "date", code: "invalid-date", message: "a date that exists, as YYYY-MM-DD"))
            } else if day! < today {
                errors.append(.init(field: "date", code: "past-date",
                                    message: "the date has passed (today is \(today))"))
            }
        } else {
            errors.append(.init(field: "date", code: "required"))
        }
        var count = 1
        if let passengers {
            if let value = Int(passengers), Self.passengers.contains(value) {
                count = value
            } else {
                errors.append(.init(field: "passengers", code: "out-of-range", message: "a whole number from 1 to 9"))
            }
        }
        guard errors.isEmpty, let origin, let destination, let day else { throw .invalidQuery(errors) }
        return TripQuery(from: origin, to: destination, date: day, passengers: count)
    }

    static func station(_ text: String?, field: String, stations: StationDirectory,
                        errors: inout [Problem.FieldError]) -> Station? {
        guard let text, !text.isEmpty else {
            errors.append(.init(field: field, code: "required"))
            return nil
        }
        guard let station = stations.find(text) else {
            errors.append(.init(field: field, code: "unknown-station",
                                message: "no station has this code or name: \(text.prefix(40))"))
            return nil
        }
        return station
    }
}

/// Trip search and seat maps over the store: the rules, without HTTP.
public struct TripSearch: Sendable {
    public struct ClassSeats: Sendable, Equatable {
        public var code: String
        public var free: Int
    }

    public struct Offer: Sendable, Equatable {
        public var departure: TripDeparture
        /// Each class the trip carries, in display order, with its seats free on every leg of the journey.
        public var classes: [ClassSeats]
    }

    public struct Result: Sendable, Equatable {
        public var query: TripQuery
        public var offers: [Offer]
        /// When no trip still to leave leaves that day: the next dates (up to 3) on which one does.
        public var nextDates: [LocalDate]
    }

    public struct SeatMap: Sendable {
        public var trip: TripRecord
        public var from: TripRecord.Stop
        public var to: TripRecord.Stop
        public var stations: StationDirectory
        public var free: Set<SeatKey>
    }

    public static let nextDateCount = 3

    let store: any InventoryStore
    let reference: ReferenceCache

    public init(store: any InventoryStore, referenceTTL: Duration = .seconds(60)) {
        self.store = store
        reference = ReferenceCache(ttl: referenceTTL)
    }

    /// The stations, read again at most once a minute (they change only when `setrag seed` loads new data).
    public func stations() async throws -> StationDirectory { try await referenceData().stations }

    func referenceData() async throws -> ReferenceCache.Entry {
        if let entry = reference.fresh() { return entry }
        let entry = ReferenceCache.Entry(stations: StationDirectory(try await store.stations()),
                                         classOrder: try await store.travelClasses().map(\.code))
        reference.keep(entry)
        return entry
    }

    public func search(_ query: TripQuery, now: Date) async throws -> Result {
        let day = RailwayTime.day(query.date)
        // A train that has left is not for sale: a search later the same day offers the next ones.
        let departures = try await store.departures(from: query.from.code, to: query.to.code, within: day)
            .filter { $0.departure > now }
        let legs = StationDirectory.legs(between: query.from, and: query.to)
        let free = try await store.freeSeatsByClass(trips: departures.map(\.tripID), legs: legs, now: now)
        let order = try await referenceData().classOrder
        let offers = departures.map { departure in
            let counts = free[departure.tripID] ?? [:]
            let rank = { (code: String) in order.firstIndex(of: code) ?? order.count }
            let classes = counts.keys.sorted { (rank($0), $0) < (rank($1), $1) }
            return Offer(departure: departure, classes: classes.map { ClassSeats(code: $0, free: counts[$0]!) })
        }
        var nextDates: [LocalDate] = []
        if offers.isEmpty {
            // At most two trains a day leave a station one way: 4 per wanted date is plenty.
            let instants = try await store.nextDepartures(from: query.from.code, to: query.to.code,
                                                          after: day.upperBound, limit: Self.nextDateCount * 4)
            for date in instants.map(RailwayTime.date(of:)) where !nextDates.contains(date) {
                guard nextDates.count < Self.nextDateCount else { break }
                nextDates.append(date)
            }
        }
        return Result(query: query, offers: offers, nextDates: nextDates)
    }

    /// The local dates within `days` days from `start` (today when absent or past) on which a scheduled train still
    /// to leave goes from `from` to `to`: what a calendar marks.
    public struct ServiceDates: Sendable, Equatable {
        public var from: Station
        public var to: Station
        public var start: LocalDate
        public var days: Int
        public var dates: [LocalDate]
    }

    public static let serviceDateDays = 1...62

    public func serviceDates(from: String?, to: String?, start: String?, days: String?,
                             now: Date) async throws -> ServiceDates {
        let stations = try await self.stations()
        var errors: [Problem.FieldError] = []
        let origin = TripQuery.station(from, field: "from", stations: stations, errors: &errors)
        let destination = TripQuery.station(to, field: "to", stations: stations, errors: &errors)
        if let origin, let destination, origin.code == destination.code {
            errors.append(.init(field: "to", code: "same-station", message: "from and to are the same station"))
        }
        let today = RailwayTime.date(of: now)
        var first = today
        if let start, !start.isEmpty {
            if let date = LocalDate(iso: start) {
                first = max(date, today)
            } else {
                errors.append(.init(field: "start", code: "invalid-date", message: "a date that exists, as YYYY-MM-DD"))
            }
        }
        var count = 42
        if let days {
            if let value = Int(days), Self.serviceDateDays.contains(value) {
                count = value
            } else {
                errors.append(.init(field: "days", code: "out-of-range", message: "a whole number from 1 to 62"))
            }
        }
        guard errors.isEmpty, let origin, let destination else { throw InventoryError.invalidQuery(errors) }
        let window = max(RailwayTime.day(first).lowerBound, now)..<RailwayTime.day(first.adding(days: count)).lowerBound
        var dates: [LocalDate] = []
        if !window.isEmpty {
            // At most a few trains a day one way: 8 per day is far more than the line runs.
            for instant in try await store.departureInstants(from: origin.code, to: destination.code, within: window,
                                                              limit: count * 8) {
                let date = RailwayTime.date(of: instant)
                if dates.last != date { dates.append(date) }
            }
        }
        return ServiceDates(from: origin, to: destination, start: first, days: count, dates: dates)
    }

    /// The trip's coaches and which seats are free on every leg from `from` to `to` (by default its whole run).
    public func seatMap(tripID: Int, from: String?, to: String?, now: Date) async throws -> SeatMap {
        guard let trip = try await store.trip(id: tripID) else { throw InventoryError.tripNotFound }
        let stations = try await self.stations()
        var errors: [Problem.FieldError] = []
        func stop(_ text: String?, field: String, default fallback: TripRecord.Stop) -> TripRecord.Stop? {
            guard let text else { return fallback }
            guard let station = TripQuery.station(text, field: field, stations: stations, errors: &errors) else {
                return nil
            }
            guard let stop = trip.stops.first(where: { $0.station == station.code }) else {
                errors.append(.init(field: field, code: "not-a-stop",
                                    message: "train \(trip.trainNumber) does not stop at \(station.name)"))
                return nil
            }
            return stop
        }
        guard let first = trip.stops.first, let last = trip.stops.last else { throw InventoryError.tripNotFound }
        let origin = stop(from, field: "from", default: first)
        let destination = stop(to, field: "to", default: last)
        if let origin, let destination, origin.seq >= destination.seq {
            errors.append(.init(
                field: "to", code: "wrong-order",
                message: "train \(trip.trainNumber) does not go from \(origin.station) to \(destination.station)"))
        }
        guard errors.isEmpty, let origin, let destination,
              let a = stations.byCode[origin.station], let b = stations.byCode[destination.station] else {
            throw InventoryError.invalidQuery(errors)
        }
        let free = try await store.freeSeats(trip: trip.id, legs: StationDirectory.legs(between: a, and: b), now: now)
        return SeatMap(trip: trip, from: origin, to: destination, stations: stations, free: free)
    }
}

/// Stations and classes kept in memory for a while: every search and seat map needs them, and they change only with
/// the reference data.
final class ReferenceCache: Sendable {
    struct Entry: Sendable {
        let stations: StationDirectory
        let classOrder: [String]
    }

    private let ttl: Duration
    private let state = Mutex<(entry: Entry, at: ContinuousClock.Instant)?>(nil)

    init(ttl: Duration) { self.ttl = ttl }

    func fresh() -> Entry? {
        state.withLock { kept in
            guard let kept, ContinuousClock.now - kept.at < ttl else { return nil }
            return kept.entry
        }
    }

    func keep(_ entry: Entry) { state.withLock { $0 = (entry, ContinuousClock.now) } }
}
