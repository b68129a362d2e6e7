import Foundation
import SetragKernel

// Operators' changes to dated trips besides cancellation: an extra train, and another consist for a trip.

/// The body of `POST /api/v1/trips`: an extra train on `date`, running the stops of the timetable train `pattern`
/// (the same times, or all of them moved so that it leaves its first station at `departure`, local time).
public struct ExtraTrainRequest: JSONRequestBody {
    public static let fields: Set<String> = ["pattern", "date", "trainNumber", "departure"]
    /// How far ahead an extra train may be planned.
    public static let horizonDays = 366

    public var pattern: Int
    public var date: String
    public var trainNumber: Int
    public var departure: String?

    /// The trip to create, or a 422 naming every field that cannot be used. `timetable` is the weekly pattern; an
    /// extra train's number may not be one of its numbers (the timetable's trips are made from those numbers).
    public func plan(timetable: [TimetableTrain], stations: StationDirectory, today: LocalDate) throws -> PlannedTrip {
        var errors: [Problem.FieldError] = []
        let train = timetable.first { $0.number == pattern }
        if train == nil {
            errors.append(.init(field: "pattern", code: "unknown", message: "no timetable train has that number"))
        }
        let serviceDate = LocalDate(iso: date)
        if let serviceDate {
            if serviceDate < today {
                errors.append(.init(field: "date", code: "past", message: "the date has passed"))
            } else if serviceDate > today.adding(days: Self.horizonDays) {
                errors.append(.init(field: "date", code: "too-far", message: "at most \(Self.horizonDays) days ahead"))
            }
        } else {
            errors.append(.init(field: "date", code: "invalid", message: "YYYY-MM-DD"))
        }
        if !(1...65_535).contains(trainNumber) {
            errors.append(.init(field: "trainNumber", code: "invalid", message: "1 to 65535"))
        } else if timetable.contains(where: { $0.number == trainNumber }) {
            errors.append(.init(field: "trainNumber", code: "timetable-number",
                                message: "that number belongs to a timetable train; choose another"))
        }
        var departureMinute: Int?
        if let departure {
            departureMinute = Self.minuteOfDay(departure)
            if departureMinute == nil {
                errors.append(.init(field: "departure", code: "invalid", message: "HH:MM, local time"))
            }
        }
        guard errors.isEmpty, let train, let serviceDate,
              var planned = TripPlanner.plan(train, on: serviceDate, stations: stations) else {
            throw InventoryError.invalidQuery(errors)
        }
        planned.trainNumber = trainNumber
        if let departureMinute, let first = train.stops.first?.departure {
            let shift = TimeInterval((departureMinute - first.minuteOfDay) * 60)
            planned.stops = planned.stops.map { stop in
                var stop = stop
                stop.arrival = stop.arrival?.addingTimeInterval(shift)
                stop.departure = stop.departure?.addingTimeInterval(shift)
                return stop
            }
        }
        return planned
    }

    /// `HH:MM` (00:00 to 23:59) as minutes after midnight.
    static func minuteOfDay(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"),
              bytes.enumerated().allSatisfy({ $0.offset == 2 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0.element) })
        else { return nil }
        let hours = Int(bytes[0] - 48) * 10 + Int(bytes[1] - 48)
        let minutes = Int(bytes[3] - 48) * 10 + Int(bytes[4] - 48)
        guard hours < 24, minutes < 60 else { return nil }
        return hours * 60 + minutes
    }
}

/// The body of `PUT /api/v1/trips/{tripId}/consist`: the trip's coach types in train order from the locomotive.
public struct ConsistChangeRequest: JSONRequestBody {
    public static let fields: Set<String> = ["coaches"]
    public static let maxCoaches = 30

    public var coaches: [String]

    /// The coach type codes, or a 422.
    public func checked() throws -> [String] {
        guard (1...Self.maxCoaches).contains(coaches.count) else {
            throw InventoryError.invalidQuery([.init(field: "coaches", code: coaches.isEmpty ? "required" : "too-many",
                                                     message: "1 to \(Self.maxCoaches) coach types")])
        }
        let bad = coaches.enumerated().filter { !(1...12).contains($0.element.count) }
        guard bad.isEmpty else {
            throw InventoryError.invalidQuery(bad.map {
                .init(field: "coaches[\($0.offset)]", code: "invalid", message: "a coach type code")
            })
        }
        return coaches
    }
}

/// The body of `PUT /api/v1/trips/{tripId}/locomotive`: `{"locomotive": "CC 2201"}` plans it, `{"locomotive": null}`
/// plans none; the field must be there.
public struct LocomotiveRequest: JSONRequestBody {
    public static let fields: Set<String> = ["locomotive"]

    public var locomotive: String?

    enum CodingKeys: String, CodingKey { case locomotive }

    public init(locomotive: String?) { self.locomotive = locomotive }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.locomotive) else {
            throw DecodingError.keyNotFound(CodingKeys.locomotive,
                                            .init(codingPath: [], debugDescription: "locomotive"))
        }
        locomotive = try container.decodeIfPresent(String.self, forKey: .locomotive)
    }

    /// The number as it is kept (see `LocomotiveNumber`), nil for none, or a 422.
    public func checked() throws -> String? {
        guard let locomotive else { return nil }
        guard let number = LocomotiveNumber.normalized(locomotive) else {
            throw InventoryError.invalidQuery([.init(
                field: "locomotive", code: "invalid",
                message: "1 to \(LocomotiveNumber.maxLength) letters, digits, spaces or dashes, e.g. CC 2201")])
        }
        return number
    }
}

/// A seat sold or held on a trip that a new consist would not carry.
public struct ConsistConflict: Sendable, Equatable {
    public var coach: Int
    public var seat: Int
    public var travelClass: String?
    /// Why the seat would be lost: `coach-removed`, `class-changed` or `seat-missing`.
    public var reason: String
}

/// Which taken seats a new consist would lose. A taken seat keeps its coach number and seat number, so the new
/// consist must have, at that place in the train, a coach of the same class with that seat.
public enum ConsistRules {
    public struct TakenSeat: Sendable, Hashable {
        public var coach: Int
        public var seat: Int
        public init(coach: Int, seat: Int) {
            self.coach = coach
            self.seat = seat
        }
    }

    /// `old` and `new`: coach types by position (1 first). Conflicts in train order.
    public static func conflicts(taken: Set<TakenSeat>, old: [Int: CoachType], new: [Int: CoachType])
        -> [ConsistConflict]
    {
        taken.sorted { ($0.coach, $0.seat) < ($1.coach, $1.seat) }.compactMap { seat in
            let travelClass = old[seat.coach]?.travelClass
            guard let replacement = new[seat.coach] else {
                return ConsistConflict(coach: seat.coach, seat: seat.seat, travelClass: travelClass, reason: "coach-removed")
            }
            guard replacement.kind == .seats, replacement.travelClass == travelClass else {
                return ConsistConflict(coach: seat.coach, seat: seat.seat, travelClass: travelClass, reason: "class-changed")
            }
            guard replacement.seats.contains(where: { $0.number == seat.seat }) else {
                return ConsistConflict(coach: seat.coach, seat: seat.seat, travelClass: travelClass, reason: "seat-missing")
            }
            return nil
        }
    }
}

struct ExtraTrainJSON: Encodable, Sendable {
    struct End: Encodable, Sendable {
        let code: String
        let time: String
    }

    let tripId: Int
    let trainNumber: Int
    let service: String
    let serviceDate: String
    let status: String
    let extra: Bool
    let from: End
    let to: End

    init(id: Int, plan: PlannedTrip) {
        tripId = id
        trainNumber = plan.trainNumber
        service = plan.service
        serviceDate = plan.serviceDate.description
        status = "scheduled"
        extra = true
        from = End(code: plan.stops.first!.station, time: RailwayTime.iso8601(plan.departure))
        to = End(code: plan.stops.last!.station, time: RailwayTime.iso8601(plan.arrival))
    }
}

/// The answer of `PUT /api/v1/trips/{tripId}/locomotive`.
struct TripLocomotiveJSON: Encodable, Sendable {
    let tripId: Int
    let trainNumber: Int
    let serviceDate: String
    let status: String
    let locomotive: String?

    init(_ trip: TripRecord) {
        tripId = trip.id
        trainNumber = trip.trainNumber
        serviceDate = trip.serviceDate.description
        status = trip.status
        locomotive = trip.locomotive
    }

    enum CodingKeys: String, CodingKey { case tripId, trainNumber, serviceDate, status, locomotive }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tripId, forKey: .tripId)
        try container.encode(trainNumber, forKey: .trainNumber)
        try container.encode(serviceDate, forKey: .serviceDate)
        try container.encode(status, forKey: .status)
        try container.encode(locomotive, forKey: .locomotive)
    }
}

struct ConsistJSON: Encodable, Sendable {
    struct CoachJSON: Encodable, Sendable {
        let number: Int
        let type: String
        let kind: String
        let `class`: String?
        let seats: Int
    }

    let tripId: Int
    let coaches: [CoachJSON]
    let seats: Int

    init(_ trip: TripRecord) {
        tripId = trip.id
        coaches = trip.coaches.map {
            CoachJSON(number: $0.position, type: $0.type.code, kind: $0.type.kind.rawValue,
                      class: $0.type.travelClass, seats: $0.type.seats.count)
        }
        seats = trip.coaches.reduce(0) { $0 + $1.type.seats.count }
    }
}
