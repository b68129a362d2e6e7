import Foundation
import Hummingbird
import NIOCore
import SetragKernel

/// Tracking's HTTP surface: devices (operators), ingestion (devices, with their key), live trains (public).
/// Handlers stay thin; the rules live in `FixRules`, `LineGeometry` and `PositionIngest`.
struct TrackingRoutes: Sendable {
    let store: any TrackingStore
    let devices: DeviceDirectory
    let ingest: PositionIngest
    let inventory: any InventoryLink
    let view: TrainsView
    let brokerAuth: BrokerAuthWriter?
    let now: @Sendable () -> Date

    func register(on router: Router<AppContext>) {
        registerDevices(on: router)
        registerIngestion(on: router)
        router.get("/api/v1/trains") { _, _ in
            JSONResponse(TrainsJSON(trains: try await view.active(now: now())), headers: [.cacheControl: "no-store"])
        }
        router.get("/api/v1/trains/:runId") { request, context in
            guard let id = context.parameters.get("runId", as: Int.self), (1...Int(UInt32.max)).contains(id),
                  let run = try await store.run(tripID: id) else { throw TrackingError.runNotFound }
            let minutes = try Self.minutes(request.uri.queryParameters.get("minutes"))
            let now = now()
            let since = now.addingTimeInterval(-Double(minutes) * 60)
            async let latest = store.latest(tripID: id)
            async let track = store.track(tripID: id, since: since, limit: 1000)
            let estimate = try await view.estimate(tripID: id, now: now)
            return JSONResponse(RunJSON(run: run, latest: try await latest, track: try await track,
                                        progress: estimate, names: await view.progress.stationNames(now: now)),
                                headers: [.cacheControl: "no-store"])
        }
        // The run's whole track downsampled to a point a minute, kept long after the positions themselves.
        router.get("/api/v1/trains/:runId/history") { _, context in
            guard let id = context.parameters.get("runId", as: Int.self), (1...Int(UInt32.max)).contains(id),
                  let run = try await store.run(tripID: id) else { throw TrackingError.runNotFound }
            let points = try await store.history(tripID: id, limit: 2000)
            return JSONResponse(RunHistoryJSON(runId: run.tripID, trainNumber: run.trainNumber,
                                               serviceDate: run.serviceDate, points: points.map(RunJSON.PointJSON.init)),
                                headers: [.cacheControl: "no-store"])
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: TrackingOpenAPI.document)))
        }
    }

    static func minutes(_ text: String?) throws -> Int {
        guard let text else { return 60 }
        guard let minutes = Int(text), (1...1440).contains(minutes) else {
            throw TrackingError.invalid([.init(field: "minutes", code: "out-of-range", message: "1 to 1440")])
        }
        return minutes
    }

    /// The device registry (tracking.manage) and assignments to runs (operations.manage); audited.
    func registerDevices(on router: Router<AppContext>) {
        router.post("/api/v1/devices") { request, context in
            let operator_ = try context.require(.trackingManage)
            let body = try await request.decodeJSON(as: DeviceRequest.self, context: context).checked()
            let (key, credentials) = try DeviceKey.issue()
            let device = try await store.createDevice(name: body.name, kind: body.kind, locomotive: body.locomotive,
                                                      credentials: credentials, createdBy: operator_.subject,
                                                      now: now())
            context.logger.notice("device registered", metadata: [
                "audit": "device.create", "subject": "\(operator_.subject)", "device_id": "\(device.id)",
                "kind": "\(device.kind)", "locomotive": "\(device.locomotive ?? "none")",
            ])
            // The broker learns the new login before the key is handed out.
            await brokerAuth?.refresh()
            return JSONResponse(NewDeviceJSON(device: DeviceJSON(device), key: key), status: .created,
                                headers: [.location: "/api/v1/devices/\(device.id)", .cacheControl: "no-store"])
        }
        // A new key (a lost or leaked one, or a device registered before broker logins): the old key stops working,
        // over HTTP at once and at the broker once it has reloaded its logins (connections made with it are closed).
        router.post("/api/v1/devices/:id/key") { _, context in
            let operator_ = try context.require(.trackingManage)
            guard let id = context.parameters.get("id", as: Int.self), (1...Int(UInt32.max)).contains(id) else {
                throw TrackingError.deviceNotFound
            }
            let (key, credentials) = try DeviceKey.issue()
            guard try await store.rekey(device: id, credentials: credentials),
                  let device = try await store.device(id: id) else { throw TrackingError.deviceNotFound }
            devices.forget(id: id)
            context.logger.notice("device given a new key", metadata: [
                "audit": "device.rekey", "subject": "\(operator_.subject)", "device_id": "\(id)",
            ])
            await brokerAuth?.refresh()
            return JSONResponse(NewDeviceJSON(device: DeviceJSON(device), key: key),
                                headers: [.cacheControl: "no-store"])
        }
        router.get("/api/v1/devices") { _, context in
            _ = try context.require(.trackingManage)
            return JSONResponse(DevicesJSON(devices: try await store.devices().map(DeviceJSON.init)),
                                headers: [.cacheControl: "no-store"])
        }
        router.put("/api/v1/devices/:id/assignment") { request, context in
            let operator_ = try context.require(.operationsManage)
            guard let id = context.parameters.get("id", as: Int.self), (1...Int(UInt32.max)).contains(id) else {
                throw TrackingError.deviceNotFound
            }
            let body = try await request.decodeJSON(as: AssignmentRequest.self, context: context)
            guard try await store.device(id: id) != nil else { throw TrackingError.deviceNotFound }
            var run: RunRecord?
            if let tripID = body.tripId {
                guard (1...Int(UInt32.max)).contains(tripID), let trip = try await inventory.trip(id: tripID) else {
                    throw TrackingError.unknownTrip(tripID)
                }
                run = trip.run
            }
            guard let device = try await store.assign(device: id, to: run, by: operator_.subject, now: now()) else {
                throw TrackingError.deviceNotFound
            }
            devices.forget(id: id)
            context.logger.notice("device assigned", metadata: [
                "audit": "device.assign", "subject": "\(operator_.subject)", "device_id": "\(id)",
                "trip_id": "\(body.tripId.map(String.init) ?? "none")",
            ])
            return JSONResponse(DeviceJSON(device), headers: [.cacheControl: "no-store"])
        }
        // The locomotive the device is mounted on, or none: it then follows the trips planned with it
        // (`AutomaticAssignment`); an automatic assignment from its old locomotive ends.
        router.put("/api/v1/devices/:id/locomotive") { request, context in
            let operator_ = try context.require(.trackingManage)
            guard let id = context.parameters.get("id", as: Int.self), (1...Int(UInt32.max)).contains(id) else {
                throw TrackingError.deviceNotFound
            }
            let locomotive = try await request.decodeJSON(as: DeviceLocomotiveRequest.self, context: context).checked()
            guard let device = try await store.setLocomotive(device: id, to: locomotive) else {
                throw TrackingError.deviceNotFound
            }
            devices.forget(id: id)
            context.logger.notice("device locomotive set", metadata: [
                "audit": "device.locomotive", "subject": "\(operator_.subject)", "device_id": "\(id)",
                "locomotive": "\(locomotive ?? "none")",
            ])
            return JSONResponse(DeviceJSON(device), headers: [.cacheControl: "no-store"])
        }
    }

    /// Fixes from devices: JSON batches at `/api/v1/positions`, single fixes in the OsmAnd protocol at `/osmand`.
    func registerIngestion(on router: Router<AppContext>) {
        router.post("/api/v1/positions") { request, context in
            guard let credentials = DeviceKey.credentials(fromAuthorization: request.headers[.authorization]) else {
                throw TrackingError.deviceUnauthorized
            }
            let device = try await devices.authenticate(id: credentials.id, key: credentials.key)
            let batch = try await request.decodeJSON(as: PositionBatch.self, context: context)
            guard (1...PositionBatch.maxFixes).contains(batch.fixes.count) else {
                throw TrackingError.batchSize(batch.fixes.count)
            }
            let report = try await ingest.ingest(batch.fixes.map(\.fix), device: device, source: .http, now: now())
            return JSONResponse(IngestJSON(report), headers: [.cacheControl: "no-store"])
        }
        router.get("/osmand") { request, context in
            try await osmand(request.uri.query.map { OsmAndFix.formParameters($0[...]) } ?? [:], request: request)
        }
        router.post("/osmand") { request, context in
            var parameters = request.uri.query.map { OsmAndFix.formParameters($0[...]) } ?? [:]
            let contentType = request.headers[.contentType]?.lowercased() ?? ""
            if contentType.hasPrefix("application/x-www-form-urlencoded") {
                var request = request
                let buffer: ByteBuffer
                do {
                    buffer = try await request.collectBody(upTo: context.maxUploadSize)
                } catch {
                    throw ProblemError(.bodyTooLarge, status: .contentTooLarge,
                                       detail: "The body may not exceed \(context.maxUploadSize) bytes")
                }
                let form = OsmAndFix.formParameters(Substring(String(buffer: buffer)))
                parameters.merge(form) { query, _ in query }
            } else if request.headers[.contentLength].flatMap(Int.init) ?? 0 > 0 {
                throw ProblemError(.unsupportedMediaType, status: .unsupportedMediaType,
                                   detail: "Send the fix as query parameters or application/x-www-form-urlencoded")
            }
            return try await osmand(parameters, request: request)
        }
    }

    func osmand(_ parameters: [String: String], request: Request) async throws -> JSONResponse<IngestJSON> {
        let fix = try OsmAndFix.parse(parameters).get()
        let header = DeviceKey.credentials(fromAuthorization: request.headers[.authorization])
        guard let key = header?.key ?? fix.key, header == nil || header?.id == fix.deviceID else {
            throw TrackingError.deviceUnauthorized
        }
        let device = try await devices.authenticate(id: fix.deviceID, key: key)
        let report = try await ingest.ingest([fix.fix], device: device, source: .osmand, now: now())
        return JSONResponse(IngestJSON(report), headers: [.cacheControl: "no-store"])
    }
}

// MARK: request bodies

struct DeviceRequest: JSONRequestBody {
    static let fields: Set<String> = ["name", "kind", "locomotive"]
    /// locomotive: a tracker fixed on the engine; phone: a crew member's phone (OsmAnd, Traccar Client);
    /// portable: a tracker carried on board.
    static let kinds: Set<String> = ["locomotive", "phone", "portable"]
    let name: String
    let kind: String
    /// The locomotive it is mounted on (`CC 2201`), if any.
    let locomotive: String?

    func checked() throws -> (name: String, kind: String, locomotive: String?) {
        var errors: [Problem.FieldError] = []
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let control = trimmed.unicodeScalars.contains { $0.properties.generalCategory == .control }
        if trimmed.isEmpty || trimmed.count > 80 || control {
            errors.append(.init(field: "name", code: "invalid", message: "1 to 80 printable characters"))
        }
        if !Self.kinds.contains(kind) {
            errors.append(.init(field: "kind", code: "invalid", message: Self.kinds.sorted().joined(separator: ", ")))
        }
        let number = locomotive.flatMap(LocomotiveNumber.normalized)
        if locomotive != nil && number == nil { errors.append(DeviceLocomotiveRequest.invalid) }
        guard errors.isEmpty else { throw TrackingError.invalid(errors) }
        return (trimmed, kind, number)
    }
}

/// `{"locomotive": "CC 2201"}` mounts the device on that locomotive, `{"locomotive": null}` on none; the field must
/// be there.
struct DeviceLocomotiveRequest: JSONRequestBody {
    static let fields: Set<String> = ["locomotive"]
    static let invalid = Problem.FieldError(
        field: "locomotive", code: "invalid",
        message: "1 to \(LocomotiveNumber.maxLength) letters, digits, spaces or dashes, e.g. CC 2201")
    let locomotive: String?

    enum CodingKeys: String, CodingKey { case locomotive }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.locomotive) else {
            throw DecodingError.keyNotFound(CodingKeys.locomotive,
                                            .init(codingPath: [], debugDescription: "locomotive"))
        }
        locomotive = try container.decodeIfPresent(String.self, forKey: .locomotive)
    }

    /// The number as it is kept, nil for none, or a 422.
    func checked() throws -> String? {
        guard let locomotive else { return nil }
        guard let number = LocomotiveNumber.normalized(locomotive) else { throw TrackingError.invalid([Self.invalid]) }
        return number
    }
}

/// `{"tripId": 123}` assigns, `{"tripId": null}` ends the assignment; the field must be there.
struct AssignmentRequest: JSONRequestBody {
    static let fields: Set<String> = ["tripId"]
    let tripId: Int?

    enum CodingKeys: String, CodingKey { case tripId }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.tripId) else {
            throw DecodingError.keyNotFound(CodingKeys.tripId, .init(codingPath: [], debugDescription: "tripId"))
        }
        tripId = try container.decodeIfPresent(Int.self, forKey: .tripId)
    }
}

// MARK: JSON answers (the shapes of TrackingOpenAPI)

/// Instants as the platform writes them: local time in Africa/Libreville (UTC+1, no summer time) with its offset.
public enum TrackingTime {
    public static func iso8601(_ date: Date) -> String { format(date, milliseconds: false) }

    static func format(_ date: Date, milliseconds: Bool) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 3600)
        formatter.formatOptions = milliseconds ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The same with milliseconds, when they are there (a fix's time).
    public static func precise(_ date: Date) -> String {
        format(date, milliseconds: date.timeIntervalSince1970.rounded(.down) != date.timeIntervalSince1970)
    }

    /// UTC with milliseconds (`2026-11-22T13:40:05.250Z`): for query strings and devices' fixes.
    public static func utc(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

struct DeviceJSON: Encodable, Sendable {
    let id: Int
    let name: String
    let kind: String
    let tripId: Int?
    let assignedAt: String?
    let createdAt: String
    /// Whether the device can log in to the broker (false: registered before broker logins; a new key gives one).
    let brokerLogin: Bool
    let locomotive: String?
    /// `operator`, or `locomotive` when tracking assigned it from the trip planned with its locomotive; nil unassigned.
    let assignmentSource: String?
    /// The operator who assigned it, or the locomotive of an automatic assignment.
    let assignedBy: String?

    init(_ device: DeviceRecord) {
        id = device.id
        name = device.name
        kind = device.kind
        tripId = device.tripID
        assignedAt = device.assignedAt.map(TrackingTime.iso8601)
        createdAt = TrackingTime.iso8601(device.createdAt)
        brokerLogin = device.brokerHash != nil
        locomotive = device.locomotive
        assignmentSource = device.assignmentSource?.rawValue
        assignedBy = device.assignedBy
    }

    enum CodingKeys: String, CodingKey {
        case id, name, kind, tripId, assignedAt, createdAt, brokerLogin, locomotive, assignmentSource, assignedBy
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(kind, forKey: .kind)
        try container.encode(tripId, forKey: .tripId)
        try container.encode(assignedAt, forKey: .assignedAt)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(brokerLogin, forKey: .brokerLogin)
        try container.encode(locomotive, forKey: .locomotive)
        try container.encode(assignmentSource, forKey: .assignmentSource)
        try container.encode(assignedBy, forKey: .assignedBy)
    }
}

/// A device with its new key (registered, or given a new key): what to set up on the tracker.
struct NewDeviceJSON: Encodable, Sendable {
    let device: DeviceJSON
    /// Shown once: only its hashes are kept.
    let key: String

    enum CodingKeys: String, CodingKey { case key, authorization, mqtt }

    /// The broker login: user name the device's id, password its key; the topic it may publish on.
    struct MQTTJSON: Encodable {
        let username: String
        let topic: String
    }

    func encode(to encoder: any Encoder) throws {
        try device.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode("Device \(device.id):\(key)", forKey: .authorization)
        let mqtt = MQTTJSON(username: String(device.id), topic: TelemetryMessage.topicPrefix + String(device.id))
        try container.encode(mqtt, forKey: .mqtt)
    }
}

struct DevicesJSON: Encodable, Sendable {
    let devices: [DeviceJSON]
}

struct IngestJSON: Encodable, Sendable {
    let accepted: Int
    let duplicates: Int

    init(_ report: PositionIngest.Report) {
        accepted = report.accepted
        duplicates = report.duplicates
    }
}

struct LegJSON: Encodable, Sendable {
    let from: String
    let to: String
}

struct TrainJSON: Encodable, Sendable {
    let runId: Int
    let tripId: Int
    let trainNumber: Int
    let serviceDate: String
    let service: String
    let origin: String
    let destination: String
    let lat: Double
    let lon: Double
    let pk: Double?
    let offLineMetres: Int?
    let leg: LegJSON?
    let station: String?
    let speed: Double?
    let heading: Double?
    let motion: String
    let updatedAt: String
    /// Expected lateness at the next stop in whole minutes (negative: early); nil without a timetable.
    let delayMinutes: Int?
    let nextStop: NextStopJSON?

    struct NextStopJSON: Encodable, Sendable {
        let station: String
        let scheduledArrival: String?
        let eta: String?
    }

    init(run: RunRecord, position: StoredPosition, progress: (RunProgress, RunEstimate)?) {
        delayMinutes = progress?.1.delaySeconds.map(Self.minutes)
        nextStop = progress.flatMap { progress, estimate in
            estimate.next.map { index in
                let stop = progress.stops[index]
                return NextStopJSON(station: stop.station, scheduledArrival: stop.arrival.map(TrackingTime.iso8601),
                                    eta: (estimate.eta[index] ?? estimate.etd[index]).map(TrackingTime.iso8601))
            }
        }
        runId = run.tripID
        tripId = run.tripID
        trainNumber = run.trainNumber
        serviceDate = run.serviceDate
        service = run.service
        origin = run.origin
        destination = run.destination
        lat = position.fix.lat
        lon = position.fix.lon
        pk = position.line.map { ($0.pk * 1000).rounded() / 1000 }
        offLineMetres = position.line.map { Int($0.offLine.rounded()) }
        leg = position.line.map { LegJSON(from: $0.from, to: $0.to) }
        station = position.line?.station
        speed = position.fix.speedKmh
        heading = position.fix.heading
        motion = position.motion.rawValue
        updatedAt = TrackingTime.precise(position.fix.ts)
    }

    static func minutes(_ seconds: Int) -> Int { Int((Double(seconds) / 60).rounded()) }
}

/// A stop of a run on the train page: the timetable next to what happened or what is expected.
struct RunStopJSON: Encodable, Sendable {
    let seq: Int
    let station: String
    let name: String
    let pk: Double
    let scheduledArrival: String?
    let scheduledDeparture: String?
    let actualArrival: String?
    let actualDeparture: String?
    let eta: String?
    let etd: String?
    /// `departed`, `at` (the train is there), or `upcoming`.
    let state: String
}

struct TrainsJSON: Encodable, Sendable {
    let trains: [TrainJSON]
}

struct RunJSON: Encodable, Sendable {
    struct PointJSON: Encodable, Sendable {
        let ts: String
        let lat: Double
        let lon: Double
        let speed: Double?
        let pk: Double?
    }

    let runId: Int
    let tripId: Int
    let trainNumber: Int
    let serviceDate: String
    let service: String
    let origin: String
    let destination: String
    let status: String
    /// Nil while no fix came for the run.
    let latest: TrainJSON?
    let delayMinutes: Int?
    /// Empty until the run's first fix on the line.
    let stops: [RunStopJSON]
    let track: [PointJSON]

    init(run: RunRecord, latest: StoredPosition?, track: [TrackPoint], progress: (RunProgress, RunEstimate)?,
         names: [String: String]) {
        delayMinutes = progress?.1.delaySeconds.map(TrainJSON.minutes)
        var stops: [RunStopJSON] = []
        if let (progress, estimate) = progress {
            for (index, stop) in progress.stops.enumerated() {
                let passage = progress.passages[index]
                let state = progress.at == index ? "at"
                    : (index <= progress.lastDeparted || passage.departure != nil
                       || (index == progress.stops.count - 1 && passage.arrival != nil)) ? "departed" : "upcoming"
                func iso(_ date: Date?) -> String? { date.map(TrackingTime.iso8601) }
                stops.append(RunStopJSON(
                    seq: stop.seq, station: stop.station, name: names[stop.station] ?? stop.station, pk: stop.pk,
                    scheduledArrival: iso(stop.arrival), scheduledDeparture: iso(stop.departure),
                    actualArrival: iso(passage.arrival), actualDeparture: iso(passage.departure),
                    eta: iso(estimate.eta[index]), etd: iso(estimate.etd[index]), state: state))
            }
        }
        self.stops = stops
        runId = run.tripID
        tripId = run.tripID
        trainNumber = run.trainNumber
        serviceDate = run.serviceDate
        service = run.service
        origin = run.origin
        destination = run.destination
        status = run.status
        self.latest = latest.map { TrainJSON(run: run, position: $0, progress: progress) }
        self.track = track.map(PointJSON.init)
    }
}

extension RunJSON.PointJSON {
    init(_ point: TrackPoint) {
        self.init(ts: TrackingTime.iso8601(point.ts), lat: point.lat, lon: point.lon, speed: point.speedKmh,
                  pk: point.pk)
    }
}

/// `GET /api/v1/trains/{runId}/history`: the run's track, a point a minute, oldest first (at most 2,000).
struct RunHistoryJSON: Encodable, Sendable {
    let runId: Int
    let trainNumber: Int
    let serviceDate: String
    let points: [RunJSON.PointJSON]
}
