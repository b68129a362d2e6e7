import Foundation

/// A dated trip about to be created from the weekly timetable: its stops at UTC instants and the legs of the
/// line it covers.
public struct PlannedTrip: Sendable, Equatable {
    public struct Stop: Sendable, Equatable {
        public var seq: Int
        public var station: String
        public var arrival: Date?
        public var departure: Date?
    }

    public var trainNumber: Int
    public var serviceDate: LocalDate
    public var service: String
    public var direction: String
    public var stops: [Stop]
    public var legs: ClosedRange<Int>

    public var departure: Date { stops.first!.departure! }
    public var arrival: Date { stops.last!.arrival! }
}

/// Which trains run on which dates, and when each reaches each stop.
public enum TripPlanner {
    /// The trips of `timetable` whose departure day falls within `dates`, in date then train order.
    public static func plan(_ timetable: [TimetableTrain], stations: StationDirectory, dates: [LocalDate])
        -> [PlannedTrip]
    {
        dates.sorted().flatMap { date in
            timetable.filter { $0.weekday == date.isoWeekday }.sorted { $0.number < $1.number }
                .compactMap { plan($0, on: date, stations: stations) }
        }
    }

    /// The train on `date` (its departure day from the first stop), or nil when a stop is not a known station.
    public static func plan(_ train: TimetableTrain, on date: LocalDate, stations: StationDirectory) -> PlannedTrip? {
        guard let first = train.stops.first.flatMap({ stations.byCode[$0.station] }),
              let last = train.stops.last.flatMap({ stations.byCode[$0.station] }), first.seq != last.seq,
              train.stops.allSatisfy({ stations.byCode[$0.station] != nil }) else { return nil }
        let stops = train.stops.map { stop in
            PlannedTrip.Stop(seq: stop.seq, station: stop.station,
                             arrival: stop.arrival.map { RailwayTime.instant(date, minutes: $0.offset) },
                             departure: stop.departure.map { RailwayTime.instant(date, minutes: $0.offset) })
        }
        return PlannedTrip(trainNumber: train.number, serviceDate: date, service: train.service,
                           direction: train.direction, stops: stops,
                           legs: StationDirectory.legs(between: first, and: last))
    }
}
