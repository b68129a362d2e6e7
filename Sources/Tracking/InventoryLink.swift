import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SetragKernel

/// A dated trip as inventory's `GET /internal/trips/{id}` describes it (the parts tracking reads).
public struct InventoryTrip: Decodable, Sendable, Equatable {
    public struct Stop: Decodable, Sendable, Equatable {
        public var seq: Int
        public var station: String
        public var arrival: String?
        public var departure: String?

        public init(seq: Int, station: String, arrival: String?, departure: String?) {
            self.seq = seq
            self.station = station
            self.arrival = arrival
            self.departure = departure
        }
    }

    public var id: Int
    public var trainNumber: Int
    public var serviceDate: String
    public var service: String
    public var status: String
    public var stops: [Stop]
    /// The locomotive planned for the trip (`CC 2201`); nil while none is.
    public var locomotive: String?

    public init(id: Int, trainNumber: Int, serviceDate: String, service: String, status: String, stops: [Stop],
                locomotive: String? = nil) {
        self.id = id
        self.trainNumber = trainNumber
        self.serviceDate = serviceDate
        self.service = service
        self.status = status
        self.stops = stops
        self.locomotive = locomotive
    }

    /// The run tracking records for it.
    public var run: RunRecord {
        func instant(_ text: String?) -> Date? { text.flatMap(FixTime.iso) }
        return RunRecord(tripID: id, trainNumber: trainNumber, serviceDate: serviceDate, service: service,
                         origin: stops.first?.station ?? "", destination: stops.last?.station ?? "",
                         departureAt: instant(stops.first?.departure), arrivalAt: instant(stops.last?.arrival),
                         status: status)
    }
}

/// What tracking asks of inventory, over HTTP only (tracking never reads inventory's tables).
public protocol InventoryLink: Sendable {
    /// The stations (with their PKs) and the line's polyline: `GET /api/v1/stations`.
    func network() async throws -> (stations: [LineStation], line: [(lat: Double, lon: Double)])
    /// The trip, or nil when inventory has none of that id: `GET /internal/trips/{id}`.
    func trip(id: Int) async throws -> InventoryTrip?
    /// The trips on the line between two instants: `GET /internal/trips?from=&to=`.
    func trips(from: Date, to: Date) async throws -> [InventoryTrip]
    /// The weekly timetable (the static GTFS feed is built from it): `GET /internal/timetable`.
    func timetable() async throws -> [WeeklyTrain]
}

/// Inventory at `inventory.url`, through the process's shared HTTP client. Failures are
/// `TrackingError.inventoryUnavailable`.
public struct HTTPInventoryLink: InventoryLink {
    let baseURL: String
    let http: HTTPClient
    let logger: Logger

    public init(baseURL: String, http: HTTPClient, logger: Logger) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = http
        self.logger = logger
    }

    struct NetworkJSON: Decodable {
        struct Point: Decodable {
            let lat: Double
            let lon: Double
        }

        let stations: [LineStation]
        let line: [Point]
    }

    public func network() async throws -> (stations: [LineStation], line: [(lat: Double, lon: Double)]) {
        guard let network = try await get("/api/v1/stations", as: NetworkJSON.self), network.line.count >= 2,
              !network.stations.isEmpty else { throw TrackingError.inventoryUnavailable }
        return (network.stations, network.line.map { ($0.lat, $0.lon) })
    }

    public func trip(id: Int) async throws -> InventoryTrip? {
        try await get("/internal/trips/\(id)", as: InventoryTrip.self)
    }

    struct TripsJSON: Decodable { let trips: [InventoryTrip] }

    public func trips(from: Date, to: Date) async throws -> [InventoryTrip] {
        let from = TrackingTime.utc(from), to = TrackingTime.utc(to)
        return try await get("/internal/trips?from=\(from)&to=\(to)", as: TripsJSON.self)?.trips ?? []
    }

    /// A 2xx answer decoded; nil for a 404; anything else unavailable.
    func get<T: Decodable>(_ path: String, as type: T.Type) async throws -> T? {
        var request = HTTPClientRequest(url: baseURL + path)
        request.headers.add(name: "Accept", value: "application/json")
        let status: UInt
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .seconds(10))
            status = response.status.code
            body = try await response.body.collect(upTo: 4 << 20)
        } catch {
            logger.warning("inventory did not answer", metadata: ["path": "\(path)", "error": "\(error)"])
            throw TrackingError.inventoryUnavailable
        }
        if status == 404 { return nil }
        guard (200..<300).contains(status), let value = try? JSONDecoder().decode(T.self, from: Data(buffer: body))
        else {
            logger.warning("inventory failed", metadata: ["path": "\(path)", "status": "\(status)"])
            throw TrackingError.inventoryUnavailable
        }
        return value
    }
}

/// The line's geometry, read from inventory once and again every `refresh`; while inventory cannot be read the
/// last geometry stays (none before the first read: ingestion answers 503 and devices send again).
public actor LineGeometrySource {
    let link: any InventoryLink
    let refresh: TimeInterval
    var current: (geometry: LineGeometry, at: Date)?

    public init(link: any InventoryLink, refresh: TimeInterval = 3600) {
        self.link = link
        self.refresh = refresh
    }

    public func geometry(now: Date = Date()) async throws -> LineGeometry {
        if let current, now.timeIntervalSince(current.at) < refresh { return current.geometry }
        do {
            let network = try await link.network()
            let geometry = LineGeometry(points: network.line, stations: network.stations)
            current = (geometry, now)
            return geometry
        } catch {
            guard let current else { throw error }
            // Keep the last geometry; ask inventory again in a minute, not on every fix.
            self.current = (current.geometry, now.addingTimeInterval(60 - refresh))
            return current.geometry
        }
    }
}
