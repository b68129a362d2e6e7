import Foundation

/// A station of the line as tracking sees it (from inventory's `GET /api/v1/stations`).
public struct LineStation: Sendable, Equatable, Codable {
    public var code: String
    public var name: String
    /// Kilometre point (PK) from Owendo.
    public var km: Double
    public var lat: Double
    public var lon: Double

    public init(code: String, name: String, km: Double, lat: Double, lon: Double) {
        self.code = code
        self.name = name
        self.km = km
        self.lat = lat
        self.lon = lon
    }
}

/// Where a fix lies on the line.
public struct LinePosition: Sendable, Equatable {
    /// Kilometre point from Owendo, on the scale of the stations' PKs.
    public var pk: Double
    /// Distance from the fix to the line's polyline, in metres.
    public var offLine: Double
    /// The leg the PK falls on: the stations before and after it (the same station at either end of the line).
    public var from: String
    public var to: String
    /// The station within `LineGeometry.stationRadiusKm` of the PK, if any.
    public var station: String?
}

/// The line's polyline (`line.csv`, approximate) and its stations, to turn a fix into a PK.
///
/// A fix is projected onto the nearest segment of the polyline (a local flat projection: segments are a few tens of
/// kilometres long, near the equator). The distance along the polyline is then mapped to PKs through the stations,
/// each projected onto the polyline in line order: the polyline's straight segments are shorter than the track, so
/// its raw length (about 620 km) is not the PK scale (669 km to Franceville); between two stations the mapping is
/// linear. A fix may lie several kilometres off the polyline (the polyline cuts corners); beyond `maxOffLine` it
/// is not on the line. Where the line doubles back (the polyline near Ndjolé), two stretches can be about as near:
/// a hint (the train's previous PK) picks the one closest to it among those within `ambiguity` of the nearest.
public struct LineGeometry: Sendable {
    public static let earthRadius = 6_371_008.8
    public static let stationRadiusKm = 1.0

    public let points: [(lat: Double, lon: Double)]
    /// Metres along the polyline at each point.
    let cumulative: [Double]
    /// Stations in PK order, with their distance along the polyline (non-decreasing).
    public let stations: [LineStation]
    /// Each station's PK and name, by code.
    public let stationPKs: [String: Double]
    public let stationNames: [String: String]
    let anchors: [Double]
    /// Beyond this distance from the polyline (metres) a fix is not on the line.
    public let maxOffLine: Double
    /// Segments at most this much farther than the nearest are candidates when a hint is given (metres).
    public let ambiguity: Double

    public init(points: [(lat: Double, lon: Double)], stations: [LineStation], maxOffLine: Double = 20_000,
                ambiguity: Double = 3_000) {
        precondition(points.count >= 2, "a line needs at least two points")
        self.points = points
        self.maxOffLine = maxOffLine
        self.ambiguity = ambiguity
        var cumulative = [0.0]
        for index in 1..<points.count {
            cumulative.append(cumulative[index - 1] + Self.distance(points[index - 1], points[index]))
        }
        self.cumulative = cumulative
        let sorted = stations.sorted { $0.km < $1.km }
        self.stations = sorted
        stationPKs = Dictionary(sorted.map { ($0.code, $0.km) }, uniquingKeysWith: { first, _ in first })
        stationNames = Dictionary(sorted.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
        // Each station where it projects onto the polyline, never before the previous one.
        var anchors: [Double] = []
        for station in sorted {
            let floor = anchors.last ?? 0
            let candidates = Self.projections(of: (station.lat, station.lon), onto: points, cumulative: cumulative)
            let onward = candidates.filter { $0.along >= floor }
            let best = onward.min { $0.distance < $1.distance }?.along ?? floor
            anchors.append(max(best, floor))
        }
        self.anchors = anchors
    }

    /// Length of the polyline in metres.
    public var length: Double { cumulative.last ?? 0 }

    /// The fix's place on the line, or nil when it is more than `maxOffLine` from it. `hint`: the previous PK.
    public func locate(lat: Double, lon: Double, hint: Double? = nil) -> LinePosition? {
        let candidates = Self.projections(of: (lat, lon), onto: points, cumulative: cumulative)
        guard let nearest = candidates.min(by: { $0.distance < $1.distance }), nearest.distance <= maxOffLine else {
            return nil
        }
        var chosen = nearest
        if let hint {
            let near = candidates.filter { $0.distance <= nearest.distance + ambiguity }
            chosen = near.min { abs(pk(along: $0.along) - hint) < abs(pk(along: $1.along) - hint) } ?? nearest
        }
        let point = pk(along: chosen.along)
        let leg = leg(at: point)
        let station = stations.min { abs($0.km - point) < abs($1.km - point) }
            .flatMap { abs($0.km - point) <= Self.stationRadiusKm ? $0.code : nil }
        return LinePosition(pk: point, offLine: chosen.distance, from: leg.from, to: leg.to, station: station)
    }

    /// The PK of a distance along the polyline: linear between the stations' anchors.
    func pk(along: Double) -> Double {
        guard let first = stations.first, let last = stations.last else { return along / 1000 }
        if along <= anchors[0] { return max(0, first.km - (anchors[0] - along) / 1000) }
        for index in 1..<anchors.count where along <= anchors[index] {
            let span = anchors[index] - anchors[index - 1]
            let kmSpan = stations[index].km - stations[index - 1].km
            guard span > 0 else { return stations[index].km }
            return stations[index - 1].km + (along - anchors[index - 1]) / span * kmSpan
        }
        return last.km + (along - anchors[anchors.count - 1]) / 1000
    }

    /// The distance along the polyline of a PK (the inverse of `pk(along:)`).
    func along(pk: Double) -> Double {
        guard let first = stations.first, let last = stations.last else { return pk * 1000 }
        if pk <= first.km { return max(0, anchors[0] - (first.km - pk) * 1000) }
        for index in 1..<stations.count where pk <= stations[index].km {
            let kmSpan = stations[index].km - stations[index - 1].km
            guard kmSpan > 0 else { return anchors[index] }
            return anchors[index - 1] + (pk - stations[index - 1].km) / kmSpan * (anchors[index] - anchors[index - 1])
        }
        return min(length, anchors[anchors.count - 1] + (pk - last.km) * 1000)
    }

    /// The point of the polyline at a PK: where a train at that PK is drawn (and where the train simulator puts it).
    public func point(atPK pk: Double) -> (lat: Double, lon: Double) {
        let target = min(length, max(0, along(pk: pk)))
        guard let next = cumulative.firstIndex(where: { $0 >= target }), next > 0 else { return points[0] }
        let span = cumulative[next] - cumulative[next - 1]
        let share = span > 0 ? (target - cumulative[next - 1]) / span : 0
        let a = points[next - 1], b = points[next]
        return (a.lat + (b.lat - a.lat) * share, a.lon + (b.lon - a.lon) * share)
    }

    /// The stations on either side of a PK.
    public func leg(at pk: Double) -> (from: String, to: String) {
        guard let first = stations.first, let last = stations.last else { return ("", "") }
        if pk <= first.km { return (first.code, first.code) }
        if pk >= last.km { return (last.code, last.code) }
        let next = stations.firstIndex { $0.km > pk }!
        return (stations[next - 1].code, stations[next].code)
    }

    struct Projection {
        var along: Double
        var distance: Double
    }

    /// The nearest point of every segment of the polyline to `point`.
    static func projections(of point: (lat: Double, lon: Double), onto points: [(lat: Double, lon: Double)],
                            cumulative: [Double]) -> [Projection] {
        var result: [Projection] = []
        result.reserveCapacity(points.count - 1)
        for index in 1..<points.count {
            let a = points[index - 1], b = points[index]
            // Flat coordinates in metres around the segment's middle latitude.
            let scale = cos((a.lat + b.lat) / 2 * .pi / 180)
            func flat(_ p: (lat: Double, lon: Double)) -> (x: Double, y: Double) {
                (p.lon * .pi / 180 * scale * earthRadius, p.lat * .pi / 180 * earthRadius)
            }
            let fa = flat(a), fb = flat(b), fp = flat(point)
            let dx = fb.x - fa.x, dy = fb.y - fa.y
            let squared = dx * dx + dy * dy
            let t = squared == 0 ? 0 : min(1, max(0, ((fp.x - fa.x) * dx + (fp.y - fa.y) * dy) / squared))
            let cx = fa.x + t * dx, cy = fa.y + t * dy
            let distance = ((fp.x - cx) * (fp.x - cx) + (fp.y - cy) * (fp.y - cy)).squareRoot()
            result.append(Projection(along: cumulative[index - 1] + t * (cumulative[index] - cumulative[index - 1]),
                                     distance: distance))
        }
        return result
    }

    /// Great-circle distance in metres (haversine).
    public static func distance(_ a: (lat: Double, lon: Double), _ b: (lat: Double, lon: Double)) -> Double {
        let lat1 = a.lat * .pi / 180, lat2 = b.lat * .pi / 180
        let dLat = lat2 - lat1, dLon = (b.lon - a.lon) * .pi / 180
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(lat1) * cos(lat2) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * earthRadius * asin(min(1, h.squareRoot()))
    }
}

/// Whether a train moves, from its latest fix's speed and its recent fixes.
public enum Motion: String, Sendable, Codable {
    case moving, stopped, unknown

    /// Below this speed (km/h) a train is stopped: GPS speed jitters by a few km/h around zero.
    public static let threshold = 5.0

    public struct Sample: Sendable, Equatable {
        public var ts: Date
        public var lat: Double
        public var lon: Double
        public init(ts: Date, lat: Double, lon: Double) {
            self.ts = ts
            self.lat = lat
            self.lon = lon
        }
    }

    /// A reported speed at or over the threshold is moving. Otherwise the fixes of the last two minutes decide
    /// when they span at least 20 seconds: the average speed between the first and the latest. A speed under the
    /// threshold without such fixes is stopped; no speed and no fixes is unknown.
    public static func classify(speedKmh: Double?, latest: Sample, recent: [Sample]) -> Motion {
        if let speedKmh, speedKmh >= threshold { return .moving }
        let window = recent.filter { $0.ts <= latest.ts && latest.ts.timeIntervalSince($0.ts) <= 120 }
        if let first = window.min(by: { $0.ts < $1.ts }) {
            let seconds = latest.ts.timeIntervalSince(first.ts)
            if seconds >= 20 {
                let metres = LineGeometry.distance((first.lat, first.lon), (latest.lat, latest.lon))
                return metres / seconds * 3.6 >= threshold ? .moving : .stopped
            }
        }
        return speedKmh == nil ? .unknown : .stopped
    }
}
