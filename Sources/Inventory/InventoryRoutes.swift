import Foundation
import Hummingbird
import NIOCore
import SetragKernel

/// Inventory's public reads: the network, trip search, seat maps. Handlers stay thin; the rules live in
/// `TripQuery` and `TripSearch`.
struct InventoryRoutes: Sendable {
    let search: TripSearch
    let store: any InventoryStore
    let holds: HoldService
    let now: @Sendable () -> Date

    func register(on router: Router<AppContext>) {
        router.get("/api/v1/stations") { _, _ in
            async let stations = store.stations()
            async let line = store.linePoints()
            return JSONResponse(StationsJSON(stations: try await stations.map(StationJSON.init),
                                             line: try await line.map { PointJSON(lat: $0.lat, lon: $0.lon) }),
                                headers: [.cacheControl: "public, max-age=300"])
        }
        router.get("/api/v1/trips") { request, _ in
            let parameters = request.uri.queryParameters
            let now = now()
            let query = try TripQuery.parse(
                from: parameters.get("from"), to: parameters.get("to"), date: parameters.get("date"),
                passengers: parameters.get("passengers"), stations: try await search.stations(),
                today: RailwayTime.date(of: now))
            return JSONResponse(TripSearchJSON(try await search.search(query, now: now)),
                                headers: [.cacheControl: "no-store"])
        }
        router.get("/api/v1/trips/dates") { request, _ in
            let parameters = request.uri.queryParameters
            let result = try await search.serviceDates(from: parameters.get("from"), to: parameters.get("to"),
                                                       start: parameters.get("start"), days: parameters.get("days"),
                                                       now: now())
            return JSONResponse(ServiceDatesJSON(result), headers: [.cacheControl: "public, max-age=60"])
        }
        router.get("/api/v1/trips/:tripId/seats") { request, context in
            guard let id = context.parameters.get("tripId", as: Int.self), (1...Int(UInt32.max)).contains(id) else {
                throw InventoryError.tripNotFound
            }
            let parameters = request.uri.queryParameters
            let map = try await search.seatMap(tripID: id, from: parameters.get("from"), to: parameters.get("to"),
                                               now: now())
            return JSONResponse(SeatMapJSON(map), headers: [.cacheControl: "no-store"])
        }
        router.post("/api/v1/trips/:tripId/cancel") { request, context in
            let operator_ = try context.require(.operationsManage)
            guard let id = context.parameters.get("tripId", as: Int.self), (1...Int(UInt32.max)).contains(id) else {
                throw InventoryError.tripNotFound
            }
            let reason = try await request.decodeJSON(as: TripCancelRequest.self, context: context).checkedReason()
            guard let cancellation = try await store.cancel(trip: id, reason: reason, requestID: context.requestID,
                                                            now: now()) else {
                throw InventoryError.tripNotFound
            }
            if cancellation.changed {
                context.logger.notice("trip cancelled", metadata: [
                    "audit": "trip.cancel", "subject": "\(operator_.subject)", "trip_id": "\(id)",
                ])
            }
            return JSONResponse(TripCancellationJSON(cancellation), headers: [.cacheControl: "no-store"])
        }
        registerOperations(on: router)
        registerHolds(on: router)
        registerInternalTrips(on: router)
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: InventoryOpenAPI.document)))
        }
    }

    /// Operators' changes to the plan (operations.manage): an extra train, another consist for a trip, the
    /// locomotive planned for a trip. All are audited (who, what, when; the log line carries the request id).
    func registerOperations(on router: Router<AppContext>) {
        router.post("/api/v1/trips") { request, context in
            let operator_ = try context.require(.operationsManage)
            let body = try await request.decodeJSON(as: ExtraTrainRequest.self, context: context)
            let now = now()
            let plan = try body.plan(timetable: try await store.timetable(), stations: try await search.stations(),
                                     today: RailwayTime.date(of: now))
            guard try await store.create(plan, now: now),
                  let id = try await store.tripID(train: plan.trainNumber, date: plan.serviceDate) else {
                throw InventoryError.trainExists(plan.trainNumber, plan.serviceDate.description)
            }
            context.logger.notice("extra train added", metadata: [
                "audit": "trip.extra", "subject": "\(operator_.subject)", "trip_id": "\(id)",
                "train_number": "\(plan.trainNumber)", "service_date": "\(plan.serviceDate)",
                "pattern": "\(body.pattern)",
            ])
            return JSONResponse(ExtraTrainJSON(id: id, plan: plan), status: .created,
                                headers: [.location: "/api/v1/trips/\(id)/seats", .cacheControl: "no-store"])
        }
        router.put("/api/v1/trips/:tripId/consist") { request, context in
            let operator_ = try context.require(.operationsManage)
            guard let id = context.parameters.get("tripId", as: Int.self), (1...Int(UInt32.max)).contains(id) else {
                throw InventoryError.tripNotFound
            }
            let coaches = try await request.decodeJSON(as: ConsistChangeRequest.self, context: context).checked()
            guard let trip = try await store.changeConsist(trip: id, to: coaches, now: now()) else {
                throw InventoryError.tripNotFound
            }
            context.logger.notice("trip consist changed", metadata: [
                "audit": "trip.consist", "subject": "\(operator_.subject)", "trip_id": "\(id)",
                "coaches": "\(coaches.joined(separator: ","))",
            ])
            return JSONResponse(ConsistJSON(trip), headers: [.cacheControl: "no-store"])
        }
        // The locomotive planned for the trip, or none (null): tracking assigns the trackers mounted on it.
        router.put("/api/v1/trips/:tripId/locomotive") { request, context in
            let operator_ = try context.require(.operationsManage)
            guard let id = context.parameters.get("tripId", as: Int.self), (1...Int(UInt32.max)).contains(id) else {
                throw InventoryError.tripNotFound
            }
            let locomotive = try await request.decodeJSON(as: LocomotiveRequest.self, context: context).checked()
            guard let trip = try await store.planLocomotive(trip: id, locomotive: locomotive, now: now()) else {
                throw InventoryError.tripNotFound
            }
            context.logger.notice("trip locomotive planned", metadata: [
                "audit": "trip.locomotive", "subject": "\(operator_.subject)", "trip_id": "\(id)",
                "locomotive": "\(locomotive ?? "none")",
            ])
            return JSONResponse(TripLocomotiveJSON(trip), headers: [.cacheControl: "no-store"])
        }
    }

    /// Seat holds, for the booking service: on inventory's own port only (the gateway never routes `/internal`).
    func registerHolds(on router: Router<AppContext>) {
        router.post("/internal/holds") { request, context in
            let body = try await request.decodeJSON(as: HoldRequest.self, context: context)
            let hold = try await holds.hold(body, now: now())
            return JSONResponse(HoldJSON(hold), status: .created,
                                headers: [.location: "/internal/holds/\(hold.id)", .cacheControl: "no-store"])
        }
        router.get("/internal/holds/:id") { _, context in
            guard let hold = try await store.hold(id: try Self.holdID(context)) else { throw InventoryError.holdNotFound }
            return JSONResponse(HoldJSON(hold), headers: [.cacheControl: "no-store"])
        }
        router.post("/internal/holds/:id/confirm") { _, context in
            JSONResponse(HoldJSON(try await holds.confirm(id: try Self.holdID(context), now: now())))
        }
        router.post("/internal/holds/:id/release") { _, context in
            guard let hold = try await store.release(hold: try Self.holdID(context), now: now()) else {
                throw InventoryError.holdNotFound
            }
            return JSONResponse(HoldJSON(hold))
        }
    }

    static func holdID(_ context: AppContext) throws -> Int {
        guard let id = context.parameters.get("id", as: Int.self), id > 0 else { throw InventoryError.holdNotFound }
        return id
    }
}

struct HoldJSON: Encodable, Sendable {
    struct SeatJSON: Encodable, Sendable {
        let coach: Int
        let seat: Int
    }

    let id: Int
    let tripId: Int
    let from: String
    let to: String
    let reference: String
    let status: String
    let expiresAt: String
    let seats: [SeatJSON]

    init(_ hold: HoldRecord) {
        id = hold.id
        tripId = hold.tripID
        from = hold.from
        to = hold.to
        reference = hold.reference
        status = hold.status.rawValue
        expiresAt = RailwayTime.iso8601(hold.expiresAt)
        seats = hold.seats.map { SeatJSON(coach: $0.coach, seat: $0.seat) }
    }
}

// MARK: JSON bodies (the shapes of InventoryOpenAPI)

struct StationJSON: Encodable, Sendable {
    let code: String
    let name: String
    let km: Double
    let lat: Double
    let lon: Double
    let type: String
    let coordQuality: String

    init(_ station: Station) {
        code = station.code
        name = station.name
        km = station.km
        lat = station.lat
        lon = station.lon
        type = station.type
        coordQuality = station.coordQuality
    }
}

struct PointJSON: Encodable, Sendable {
    let lat: Double
    let lon: Double
}

struct StationsJSON: Encodable, Sendable {
    let stations: [StationJSON]
    let line: [PointJSON]
}

struct StationRefJSON: Encodable, Sendable {
    let code: String
    let name: String
}

struct TripSearchJSON: Encodable, Sendable {
    struct ClassJSON: Encodable, Sendable {
        let travelClass: String
        let seatsFree: Int
        let available: Bool
        enum CodingKeys: String, CodingKey { case travelClass = "class", seatsFree, available }
    }

    struct TripJSON: Encodable, Sendable {
        let id: Int
        let trainNumber: Int
        let service: String
        let serviceDate: String
        let departure: String
        let arrival: String
        let durationMinutes: Int
        let classes: [ClassJSON]
    }

    let from: StationRefJSON
    let to: StationRefJSON
    let date: String
    let passengers: Int
    let trips: [TripJSON]
    let nextDates: [String]

    init(_ result: TripSearch.Result) {
        let query = result.query
        from = StationRefJSON(code: query.from.code, name: query.from.name)
        to = StationRefJSON(code: query.to.code, name: query.to.name)
        date = query.date.description
        passengers = query.passengers
        trips = result.offers.map { offer in
            let trip = offer.departure
            return TripJSON(
                id: trip.tripID, trainNumber: trip.trainNumber, service: trip.service,
                serviceDate: trip.serviceDate.description, departure: RailwayTime.iso8601(trip.departure),
                arrival: RailwayTime.iso8601(trip.arrival),
                durationMinutes: Int((trip.arrival.timeIntervalSince(trip.departure) / 60).rounded()),
                classes: offer.classes.map {
                    ClassJSON(travelClass: $0.code, seatsFree: $0.free, available: $0.free >= query.passengers)
                })
        }
        nextDates = result.nextDates.map(\.description)
    }
}

struct SeatMapJSON: Encodable, Sendable {
    struct StopJSON: Encodable, Sendable {
        let code: String
        let name: String
        let departure: String?
        let arrival: String?
    }

    struct SeatJSON: Encodable, Sendable {
        let number: Int
        let row: Int
        let column: Int
        let position: String
        let free: Bool
    }

    struct CoachJSON: Encodable, Sendable {
        let number: Int
        let type: String
        let name: String
        let kind: String
        let travelClass: String?
        let airConditioned: Bool
        let layout: String?
        let seats: [SeatJSON]
        enum CodingKeys: String, CodingKey {
            case number, type, name, kind, travelClass = "class", airConditioned, layout, seats
        }
    }

    let tripId: Int
    let trainNumber: Int
    let service: String
    let serviceDate: String
    let status: String
    /// The locomotive planned for the trip; left out while none is.
    let locomotive: String?
    let from: StopJSON
    let to: StopJSON
    let coaches: [CoachJSON]

    init(_ map: TripSearch.SeatMap) {
        let trip = map.trip
        tripId = trip.id
        trainNumber = trip.trainNumber
        service = trip.service
        serviceDate = trip.serviceDate.description
        status = trip.status
        locomotive = trip.locomotive
        func name(_ code: String) -> String { map.stations.byCode[code]?.name ?? code }
        from = StopJSON(code: map.from.station, name: name(map.from.station),
                        departure: map.from.departure.map(RailwayTime.iso8601), arrival: nil)
        to = StopJSON(code: map.to.station, name: name(map.to.station), departure: nil,
                      arrival: map.to.arrival.map(RailwayTime.iso8601))
        coaches = trip.coaches.map { coach in
            CoachJSON(
                number: coach.position, type: coach.type.code, name: coach.type.name, kind: coach.type.kind.rawValue,
                travelClass: coach.type.travelClass, airConditioned: coach.type.airConditioned,
                layout: coach.type.abreast,
                seats: coach.type.seats.map { seat in
                    SeatJSON(number: seat.number, row: seat.row, column: seat.column, position: seat.position.rawValue,
                             free: map.free.contains(SeatKey(coach: coach.position, seat: seat.number)))
                })
        }
    }
}

/// The dates a calendar marks: a train from `from` to `to` is on sale that day.
struct ServiceDatesJSON: Encodable, Sendable {
    let from: String
    let to: String
    let start: String
    let days: Int
    let dates: [String]

    init(_ result: TripSearch.ServiceDates) {
        from = result.from.code
        to = result.to.code
        start = result.start.description
        days = result.days
        dates = result.dates.map(\.description)
    }
}
