import Foundation
import Hummingbird
import SetragKernel

/// Trips and the timetable for other services (tracking reads the run a device is assigned to, and the timetable
/// its open data feeds are built from): on inventory's own port only (the gateway never routes `/internal`).
extension InventoryRoutes {
    func registerInternalTrips(on router: Router<AppContext>) {
        // The trips on the line between two instants (at most 3 days apart), with their stops.
        router.get("/internal/trips") { request, _ in
            let parameters = request.uri.queryParameters
            guard let from = parameters.get("from").flatMap(Self.instant),
                  let to = parameters.get("to").flatMap(Self.instant), from < to,
                  to.timeIntervalSince(from) <= 3 * 86_400 else {
                throw ProblemError.validation([.init(field: "from", code: "invalid",
                                                     message: "from < to, ISO 8601 instants at most 3 days apart")])
            }
            var trips: [InternalTripJSON] = []
            for id in try await store.trips(running: from..<to) {
                if let trip = try await store.trip(id: id) { trips.append(InternalTripJSON(trip)) }
            }
            return JSONResponse(InternalTripsJSON(trips: trips), headers: [.cacheControl: "no-store"])
        }
        // The weekly timetable (tracking builds the static GTFS feed from it).
        router.get("/internal/timetable") { _, _ in
            let trains = try await store.timetable().map(InternalTimetableJSON.Train.init)
            return JSONResponse(InternalTimetableJSON(trains: trains), headers: [.cacheControl: "no-store"])
        }
        router.get("/internal/trips/:tripId") { _, context in
            guard let id = context.parameters.get("tripId", as: Int.self), (1...Int(UInt32.max)).contains(id),
                  let trip = try await store.trip(id: id) else {
                throw InventoryError.tripNotFound
            }
            return JSONResponse(InternalTripJSON(trip), headers: [.cacheControl: "no-store"])
        }
    }
}

struct InternalTripsJSON: Encodable, Sendable {
    let trips: [InternalTripJSON]
}

extension InventoryRoutes {
    static func instant(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// `GET /internal/trips/{id}`: the trip, its status, the locomotive planned for it (left out while none is) and its
/// stops with their local times.
struct InternalTripJSON: Encodable, Sendable {
    struct StopJSON: Encodable, Sendable {
        let seq: Int
        let station: String
        let arrival: String?
        let departure: String?
    }

    let id: Int
    let trainNumber: Int
    let serviceDate: String
    let service: String
    let direction: String
    let status: String
    let locomotive: String?
    let stops: [StopJSON]

    init(_ trip: TripRecord) {
        id = trip.id
        trainNumber = trip.trainNumber
        serviceDate = trip.serviceDate.description
        service = trip.service
        direction = trip.direction
        status = trip.status
        locomotive = trip.locomotive
        stops = trip.stops.map {
            StopJSON(seq: $0.seq, station: $0.station, arrival: $0.arrival.map(RailwayTime.iso8601),
                     departure: $0.departure.map(RailwayTime.iso8601))
        }
    }
}

/// `GET /internal/timetable`: every train of the weekly timetable. Times are minutes after midnight (Libreville time)
/// of the day the train leaves its first stop, so a train running past midnight has stop times of 1440 and more.
struct InternalTimetableJSON: Encodable, Sendable {
    struct Stop: Encodable, Sendable {
        let seq: Int
        let station: String
        let arrivalMinutes: Int?
        let departureMinutes: Int?

        enum CodingKeys: String, CodingKey { case seq, station, arrivalMinutes, departureMinutes }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(seq, forKey: .seq)
            try container.encode(station, forKey: .station)
            try container.encode(arrivalMinutes, forKey: .arrivalMinutes)
            try container.encode(departureMinutes, forKey: .departureMinutes)
        }
    }

    struct Train: Encodable, Sendable {
        let number: Int
        let service: String
        let direction: String
        /// ISO weekday it leaves its first stop (1 = Monday).
        let weekday: Int
        let stops: [Stop]

        init(_ train: TimetableTrain) {
            number = train.number
            service = train.service
            direction = train.direction
            weekday = train.weekday
            stops = train.stops.map {
                Stop(seq: $0.seq, station: $0.station, arrivalMinutes: $0.arrival?.offset,
                     departureMinutes: $0.departure?.offset)
            }
        }
    }

    let trains: [Train]
}
