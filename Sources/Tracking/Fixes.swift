import Foundation
import SetragKernel

/// One GPS fix as a device reported it. Times are instants (UTC), rounded to the millisecond as stored.
public struct Fix: Sendable, Equatable {
    public var ts: Date
    public var lat: Double
    public var lon: Double
    public var speedKmh: Double?
    /// Degrees from north, clockwise.
    public var heading: Double?
    /// Metres.
    public var accuracy: Double?
    /// Metres above sea level.
    public var altitude: Double?
    /// The device's own counter, when it keeps one: a fix sent again carries the same.
    public var seq: Int64?

    public init(ts: Date, lat: Double, lon: Double, speedKmh: Double? = nil, heading: Double? = nil,
                accuracy: Double? = nil, altitude: Double? = nil, seq: Int64? = nil) {
        self.ts = Date(timeIntervalSince1970: (ts.timeIntervalSince1970 * 1000).rounded() / 1000)
        self.lat = lat
        self.lon = lon
        self.speedKmh = speedKmh
        self.heading = heading
        self.accuracy = accuracy
        self.altitude = altitude
        self.seq = seq
    }
}

/// Why a well-formed fix is refused. Each is counted (`tracking_fixes_rejected_total{reason}`).
public enum FixRejection: String, Sendable, CaseIterable {
    /// |lat| > 90 or |lon| > 180.
    case impossibleCoordinates = "impossible-coordinates"
    /// Far outside Gabon (`FixRules.gabon`, the country's box with about 50 km around it).
    case outsideGabon = "outside-gabon"
    /// Over `FixRules.maxSpeedKmh`.
    case tooFast = "too-fast"
    /// More than `FixRules.maxFuture` ahead of the server's clock.
    case inTheFuture = "in-the-future"
    /// Older than the positions kept (`tracking.retention_days`).
    case tooOld = "too-old"
}

/// The plausibility rules every fix goes through, whatever way it came.
public struct FixRules: Sendable {
    /// Gabon spans about 3.98° S to 2.32° N and 8.70° E to 14.50° E.
    public static let gabon = (lat: -4.5...2.8, lon: 8.2...15.0)
    public static let maxSpeedKmh = 200.0
    public static let maxFuture: TimeInterval = 120

    public var retentionDays: Int

    public init(retentionDays: Int) { self.retentionDays = retentionDays }

    public func check(_ fix: Fix, now: Date) -> FixRejection? {
        if abs(fix.lat) > 90 || abs(fix.lon) > 180 { return .impossibleCoordinates }
        if !Self.gabon.lat.contains(fix.lat) || !Self.gabon.lon.contains(fix.lon) { return .outsideGabon }
        if let speed = fix.speedKmh, speed > Self.maxSpeedKmh { return .tooFast }
        if fix.ts.timeIntervalSince(now) > Self.maxFuture { return .inTheFuture }
        if PositionDay.of(fix.ts) < PositionDay.of(now) - retentionDays { return .tooOld }
        return nil
    }
}

/// Positions are partitioned by UTC day: days since 1970-01-01.
public enum PositionDay {
    public static func of(_ date: Date) -> Int { Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) }
    public static func start(_ day: Int) -> Date { Date(timeIntervalSince1970: Double(day) * 86_400) }

    /// `p20261122`: the partition holding that day.
    public static func partitionName(_ day: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: start(day))
        return String(format: "p%04d%02d%02d", parts.year!, parts.month!, parts.day!)
    }
}

/// Instants as devices send them: ISO 8601 (with an offset or `Z`, with or without fractional seconds) or Unix
/// seconds (OsmAnd's `timestamp`; values over 10^11 are taken as milliseconds).
public enum FixTime {
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let number = Double(trimmed) { return unix(number) }
        return iso(trimmed)
    }

    public static func unix(_ number: Double) -> Date? {
        guard number.isFinite, number > 0 else { return nil }
        return Date(timeIntervalSince1970: number > 1e11 ? number / 1000 : number)
    }

    public static func iso(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }
}

/// The body of `POST /api/v1/positions`: `{"fixes": [...]}`, 1 to `maxFixes` of them.
struct PositionBatch: JSONRequestBody {
    static let fields: Set<String> = ["fixes"]
    static let maxFixes = 1000
    let fixes: [FixJSON]
}

/// A fix of a batch: `ts` (ISO 8601 or Unix seconds), `lat`, `lon` required; `speed` (km/h), `heading` (degrees),
/// `accuracy` (metres), `altitude` (metres), `seq` optional. Unknown fields are refused like the body's.
struct FixJSON: Decodable, Sendable {
    static let fields: Set<String> = ["ts", "lat", "lon", "speed", "heading", "accuracy", "altitude", "seq"]
    let fix: Fix

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        if let unknown = container.allKeys.first(where: { !Self.fields.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [unknown],
                                                    debugDescription: "unknown field"))
        }
        func key(_ name: String) -> Key { Key(stringValue: name) }
        let ts: Date
        if let seconds = try? container.decode(Double.self, forKey: key("ts")) {
            guard let date = FixTime.unix(seconds) else {
                throw DecodingError.dataCorruptedError(forKey: key("ts"), in: container, debugDescription: "time")
            }
            ts = date
        } else {
            let text = try container.decode(String.self, forKey: key("ts"))
            guard let date = FixTime.iso(text) else {
                throw DecodingError.dataCorruptedError(forKey: key("ts"), in: container, debugDescription: "time")
            }
            ts = date
        }
        func number(_ name: String, _ range: ClosedRange<Double>) throws -> Double? {
            guard let value = try container.decodeIfPresent(Double.self, forKey: key(name)) else { return nil }
            guard range.contains(value) else {
                throw DecodingError.dataCorruptedError(forKey: key(name), in: container, debugDescription: "range")
            }
            return value
        }
        let lat = try container.decode(Double.self, forKey: key("lat"))
        let lon = try container.decode(Double.self, forKey: key("lon"))
        let seq = try container.decodeIfPresent(Int64.self, forKey: key("seq"))
        if let seq, seq < 0 {
            throw DecodingError.dataCorruptedError(forKey: key("seq"), in: container, debugDescription: "range")
        }
        fix = Fix(ts: ts, lat: lat, lon: lon, speedKmh: try number("speed", 0...100_000),
                  heading: try number("heading", 0...360), accuracy: try number("accuracy", 0...1_000_000),
                  altitude: try number("altitude", -1_000...10_000), seq: seq)
    }
}

/// A fix in the OsmAnd protocol (what Traccar Client and OsmAnd's live tracking send): query or form parameters
/// `id` (or `deviceid`), `lat`, `lon`, `timestamp` (Unix seconds or ISO 8601), `speed` (knots), `bearing` (or
/// `heading`), `altitude`, `accuracy`; the device key in `key` unless sent as `Authorization: Device <id>:<key>`.
struct OsmAndFix {
    static let knot = 1.852
    let deviceID: String
    let key: String?
    let fix: Fix

    /// The fix, or the list of parameters that are missing or unreadable.
    static func parse(_ parameters: [String: String]) -> Result<OsmAndFix, TrackingError> {
        var errors: [Problem.FieldError] = []
        func required(_ names: String...) -> String? {
            guard let value = names.lazy.compactMap({ parameters[$0] }).first, !value.isEmpty else {
                errors.append(.init(field: names[0], code: "required"))
                return nil
            }
            return value
        }
        func number(_ name: String, _ range: ClosedRange<Double>, value: String?) -> Double? {
            guard let value, !value.isEmpty else { return nil }
            guard let number = Double(value), number.isFinite, range.contains(number) else {
                errors.append(.init(field: name, code: "invalid"))
                return nil
            }
            return number
        }
        let id = required("id", "deviceid")
        let latText = required("lat"), lonText = required("lon")
        let lat = number("lat", -1_000...1_000, value: latText)
        let lon = number("lon", -1_000...1_000, value: lonText)
        var ts: Date?
        if let text = required("timestamp") {
            ts = FixTime.parse(text)
            if ts == nil { errors.append(.init(field: "timestamp", code: "invalid")) }
        }
        let knots = number("speed", 0...100_000, value: parameters["speed"])
        let bearing = number("bearing", 0...360, value: parameters["bearing"] ?? parameters["heading"])
        let altitude = number("altitude", -1_000...10_000, value: parameters["altitude"])
        let accuracy = number("accuracy", 0...1_000_000, value: parameters["accuracy"])
        guard errors.isEmpty, let id, let lat, let lon, let ts else { return .failure(.invalidFix(errors)) }
        let fix = Fix(ts: ts, lat: lat, lon: lon, speedKmh: knots.map { $0 * knot }, heading: bearing,
                      accuracy: accuracy, altitude: altitude)
        return .success(OsmAndFix(deviceID: id, key: parameters["key"], fix: fix))
    }

    /// `a=1&b=2` (query strings and `application/x-www-form-urlencoded` bodies): `+` is a space; the first value
    /// of a name wins.
    static func formParameters(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            if result[name] == nil { result[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return result
    }
}
