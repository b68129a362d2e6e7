import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SetragKernel
import Synchronization

/// What booking asks of inventory, over HTTP only (booking never reads inventory's tables). Inventory's refusals
/// come back as `BookingError.inventoryRefused` with inventory's own problem; no answer is
/// `BookingError.inventoryUnavailable`.
public protocol InventoryClient: Sendable {
    /// Every station with its kilometre point.
    func stations() async throws -> [InventoryStation]
    /// Inventory's trip search, as it answered.
    func searchTrips(from: String, to: String, date: String, passengers: Int) async throws -> InventoryTripSearch
    func seatMap(tripID: Int, from: String, to: String) async throws -> InventorySeatMap
    func hold(_ request: InventoryHoldRequest) async throws -> InventoryHold
    func confirm(hold id: Int) async throws -> InventoryHold
    func release(hold id: Int) async throws -> InventoryHold
}

// MARK: inventory's shapes (see InventoryOpenAPI), the parts booking reads

public struct InventoryStation: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var km: Double
}

public struct InventoryStationRef: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
}

public struct InventoryTripSearch: Codable, Sendable {
    public struct ClassSeats: Codable, Sendable {
        public var travelClass: String
        public var seatsFree: Int
        public var available: Bool
        enum CodingKeys: String, CodingKey { case travelClass = "class", seatsFree, available }
    }

    public struct Trip: Codable, Sendable {
        public var id: Int
        public var trainNumber: Int
        public var service: String
        public var serviceDate: String
        public var departure: String
        public var arrival: String
        public var durationMinutes: Int
        public var classes: [ClassSeats]
    }

    public var from: InventoryStationRef
    public var to: InventoryStationRef
    public var date: String
    public var passengers: Int
    public var trips: [Trip]
    public var nextDates: [String]
}

public struct InventorySeatMap: Codable, Sendable {
    public struct Stop: Codable, Sendable {
        public var code: String
        public var name: String
        public var departure: String?
        public var arrival: String?
    }

    public struct Seat: Codable, Sendable {
        public var number: Int
        public var free: Bool
    }

    public struct Coach: Codable, Sendable {
        public var number: Int
        public var kind: String
        public var travelClass: String?
        public var seats: [Seat]
        enum CodingKeys: String, CodingKey { case number, kind, travelClass = "class", seats }
    }

    public var tripId: Int
    public var trainNumber: Int
    public var service: String
    public var serviceDate: String
    /// `scheduled` or `cancelled` (by SETRAG).
    public var status: String
    public var from: Stop
    public var to: Stop
    public var coaches: [Coach]

    /// The class of a coach, nil for a coach the train does not have or that has no seats.
    public func travelClass(ofCoach number: Int) -> String? {
        coaches.first { $0.number == number }?.travelClass
    }
}

public struct InventoryHoldRequest: Encodable, Sendable, Equatable {
    public var tripId: Int
    public var from: String
    public var to: String
    public var seats: [SeatRef]?
    public var travelClass: String?
    public var count: Int?
    public var reference: String
    public var ttlSeconds: Int?
    enum CodingKeys: String, CodingKey {
        case tripId, from, to, seats, travelClass = "class", count, reference, ttlSeconds
    }
}

public struct InventoryHold: Codable, Sendable, Equatable {
    public var id: Int
    public var tripId: Int
    public var from: String
    public var to: String
    public var reference: String
    /// held, confirmed, released, expired.
    public var status: String
    public var expiresAt: String
    public var seats: [SeatRef]
}

/// Inventory at `inventory.url`, through the process's shared HTTP client. Stations are kept a few minutes.
public final class HTTPInventoryClient: InventoryClient {
    let baseURL: String
    let http: HTTPClient
    let timeout: TimeAmount
    let logger: Logger
    let stationsTTL: TimeInterval
    let cachedStations = Mutex<(at: Date, stations: [InventoryStation])?>(nil)

    public init(baseURL: String, http: HTTPClient, timeout: TimeAmount = .seconds(10), stationsTTL: TimeInterval = 300,
                logger: Logger) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = http
        self.timeout = timeout
        self.stationsTTL = stationsTTL
        self.logger = logger
    }

    struct StationsJSON: Decodable { let stations: [InventoryStation] }

    public func stations() async throws -> [InventoryStation] {
        let now = Date()
        if let cached = cachedStations.withLock({ $0 }), now.timeIntervalSince(cached.at) < stationsTTL {
            return cached.stations
        }
        let stations = try await call(.GET, "/api/v1/stations", as: StationsJSON.self).stations
        cachedStations.withLock { $0 = (now, stations) }
        return stations
    }

    public func searchTrips(from: String, to: String, date: String, passengers: Int) async throws
        -> InventoryTripSearch
    {
        try await call(.GET, "/api/v1/trips" + Self.query(["from": from, "to": to, "date": date,
                                                           "passengers": String(passengers)]),
                       as: InventoryTripSearch.self)
    }

    public func seatMap(tripID: Int, from: String, to: String) async throws -> InventorySeatMap {
        try await call(.GET, "/api/v1/trips/\(tripID)/seats" + Self.query(["from": from, "to": to]),
                       as: InventorySeatMap.self)
    }

    public func hold(_ request: InventoryHoldRequest) async throws -> InventoryHold {
        try await call(.POST, "/internal/holds", body: try JSONEncoder().encode(request), as: InventoryHold.self)
    }

    public func confirm(hold id: Int) async throws -> InventoryHold {
        try await call(.POST, "/internal/holds/\(id)/confirm", as: InventoryHold.self)
    }

    public func release(hold id: Int) async throws -> InventoryHold {
        try await call(.POST, "/internal/holds/\(id)/release", as: InventoryHold.self)
    }

    static func query(_ items: [String: String]) -> String {
        var components = URLComponents()
        components.queryItems = items.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        // `+` is a space in query strings: encode it too.
        return "?" + (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }

    /// One call: a 2xx answer decoded, a 4xx problem passed on, anything else "unavailable".
    func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: Data? = nil, as type: T.Type) async throws
        -> T
    {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let status: Int
        let data: Data
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = Int(response.status.code)
            data = Data(buffer: try await response.body.collect(upTo: 8 << 20))
        } catch {
            logger.warning("inventory did not answer", metadata: ["path": "\(path)", "error": "\(error)"])
            throw BookingError.inventoryUnavailable("\(error)")
        }
        let decoder = JSONDecoder()
        if (200..<300).contains(status) {
            do {
                return try decoder.decode(T.self, from: data)
            } catch {
                logger.error("inventory answered an unreadable body",
                             metadata: ["path": "\(path)", "error": "\(error)"])
                throw BookingError.inventoryUnavailable("unreadable answer")
            }
        }
        if (400..<500).contains(status), let problem = try? decoder.decode(Problem.self, from: data) {
            throw BookingError.inventoryRefused(Self.problemError(problem, status: status))
        }
        logger.warning("inventory failed", metadata: ["path": "\(path)", "status": "\(status)"])
        throw BookingError.inventoryUnavailable("status \(status)")
    }

    /// Inventory's problem as booking's own answer: same status, type, title, detail and field errors.
    static func problemError(_ problem: Problem, status: Int) -> ProblemError {
        let code = problem.type.hasPrefix(ProblemType.base) ? String(problem.type.dropFirst(ProblemType.base.count))
            : "http-\(status)"
        var error = ProblemError(ProblemType(code: code, title: problem.title), status: .init(code: status),
                                 detail: problem.detail, errors: problem.errors)
        error.problem.requestId = nil
        return error
    }
}

extension InventoryHold {
    /// The hold's expiry as an instant (inventory writes local time with its offset).
    var expiry: Date? { try? Date(expiresAt, strategy: .iso8601) }
}
