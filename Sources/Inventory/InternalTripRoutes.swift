import Foundation
import Hummingbird
import SetragKernel

/// A trip for other services (tracking reads the run a device is assigned to): on inventory's own port only (the
/// gateway never routes `/internal`).
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

/// `GET /internal/trips/{id}`: the trip, its status and its stops with their local times.
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
    let stops: [StopJSON]

    init(_ trip: TripRecord) {
        id = trip.id
        trainNumber = trip.trainNumber
        serviceDate = trip.serviceDate.description
        service = trip.service
        direction = trip.direction
        status = trip.status
        stops = trip.stops.map {
            StopJSON(seq: $0.seq, station: $0.station, arrival: $0.arrival.map(RailwayTime.iso8601),
                     departure: $0.departure.map(RailwayTime.iso8601))
        }
    }
}
