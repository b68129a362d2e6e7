import Foundation
import SetragKernel
import Testing
@testable import Tracking

/// The line as the repository's data describes it (the same files inventory serves).
enum LineData {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/domain")

    static func rows(_ file: String) throws -> [[String]] {
        let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    static func stations() throws -> [LineStation] {
        try rows("stations.csv").map {
            LineStation(code: $0[0], name: $0[1], km: Double($0[2])!, lat: Double($0[3])!, lon: Double($0[4])!)
        }
    }

    static func geometry() throws -> LineGeometry {
        let points = try rows("line.csv").map { (lat: Double($0[1])!, lon: Double($0[2])!) }
        return LineGeometry(points: points, stations: try stations())
    }
}

/// Placing fixes on the line: the PK, the distance off the line, the leg, fixes several kilometres away.
struct LineGeometryTests {
    @Test func everyStationIsFoundAtItsOwnKilometrePoint() throws {
        let line = try LineData.geometry()
        for station in try LineData.stations() {
            let place = try #require(line.locate(lat: station.lat, lon: station.lon, hint: station.km))
            #expect(abs(place.pk - station.km) < 1, "\(station.code): \(place.pk) for \(station.km)")
            #expect(place.station == station.code)
        }
    }

    @Test func aFixSeveralKilometresOffTheLineGetsThePKOfTheNearestTrackAndItsLeg() throws {
        let line = try LineData.geometry()
        // Ntoum (PK 35, on the polyline) and 6 km due south of it.
        let ntoum = try #require(line.locate(lat: 0.3913, lon: 9.7589))
        let south = try #require(line.locate(lat: 0.3913 - 6.0 / 111.2, lon: 9.7589))
        #expect(abs(ntoum.pk - 35) < 0.01 && ntoum.offLine < 1)
        #expect(south.offLine > 3_000 && south.offLine < 6_100)
        #expect(abs(south.pk - 35) < 6)
        // Half-way between Booué (338) and Mouyabi (411) on the polyline, 4 km off it: the legs between.
        let mid = (lat: (-0.1016 + -0.456) / 2 + 0.036, lon: (11.9482 + 12.340) / 2)
        let between = try #require(line.locate(lat: mid.lat, lon: mid.lon))
        #expect(between.pk > 338 && between.pk < 411)
        #expect(between.offLine > 1_000 && between.offLine < 5_000)
        #expect([("BOO", "IVI"), ("IVI", "MOU")].contains { $0 == (between.from, between.to) })
        #expect(between.station == nil)
    }

    @Test func kilometrePointsGrowAlongTheLineFromOwendoToFranceville() throws {
        let line = try LineData.geometry()
        var previous = -1.0
        for index in 1..<line.points.count {
            let a = line.points[index - 1], b = line.points[index]
            for step in 0..<10 {
                let t = Double(step) / 10
                let place = try #require(line.locate(lat: a.lat + (b.lat - a.lat) * t, lon: a.lon + (b.lon - a.lon) * t,
                                                     hint: previous))
                #expect(place.pk >= previous - 0.001)
                previous = place.pk
            }
        }
        let end = try #require(line.locate(lat: -1.6228, lon: 13.4893))
        #expect(abs(end.pk - 669) < 0.01 && end.from == "FCV" && end.to == "FCV")
        #expect(line.leg(at: 100) == ("MBE", "OYA"))
    }

    @Test func aFixFarFromTheLineIsNotOnIt() throws {
        let line = try LineData.geometry()
        // Port-Gentil, about 170 km from the nearest track.
        #expect(line.locate(lat: -0.7193, lon: 8.7815) == nil)
    }

    @Test func whereTheLineDoublesBackThePreviousPKChoosesTheStretch() {
        // A hairpin: out east along the equator, back west 3 km further north.
        let points: [(lat: Double, lon: Double)] = [(0, 0), (0, 1), (0.027, 1), (0.027, 0)]
        let stations = [LineStation(code: "AAA", name: "A", km: 0, lat: 0, lon: 0),
                        LineStation(code: "BBB", name: "B", km: 111.3, lat: 0, lon: 1),
                        LineStation(code: "CCC", name: "C", km: 225.6, lat: 0.027, lon: 0)]
        let line = LineGeometry(points: points, stations: stations)
        // Half-way between the two stretches, a little nearer the southern one.
        let outward = line.locate(lat: 0.013, lon: 0.5, hint: 50)
        let back = line.locate(lat: 0.013, lon: 0.5, hint: 170)
        #expect(outward.map { abs($0.pk - 55.6) < 1 } == true)
        #expect(back.map { abs($0.pk - 170) < 1.5 } == true)
        #expect(outward?.to == "BBB" && back?.from == "BBB")
        // Without a hint, the nearest stretch.
        #expect(line.locate(lat: 0.013, lon: 0.5).map { $0.pk < 112 } == true)
    }
}

/// Moving or stopped, from the reported speed and the fixes of the last two minutes.
struct MotionTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func sample(_ seconds: Double, metresEast: Double) -> Motion.Sample {
        Motion.Sample(ts: start.addingTimeInterval(seconds), lat: -0.5, lon: 12 + metresEast / 111_320)
    }

    @Test func aReportedSpeedAboveWalkingPaceIsMoving() {
        #expect(Motion.classify(speedKmh: 42, latest: sample(0, metresEast: 0), recent: []) == .moving)
    }

    @Test func recentFixesDecideWhenTheSpeedIsLowOrMissing() {
        let latest = sample(60, metresEast: 500)
        // 500 m in a minute: 30 km/h, whatever the speed field says.
        #expect(Motion.classify(speedKmh: 0, latest: latest, recent: [sample(0, metresEast: 0)]) == .moving)
        #expect(Motion.classify(speedKmh: nil, latest: latest, recent: [sample(0, metresEast: 0)]) == .moving)
        // 20 m of GPS drift in a minute: stopped.
        let parked = sample(60, metresEast: 20)
        #expect(Motion.classify(speedKmh: 2, latest: parked, recent: [sample(0, metresEast: 0)]) == .stopped)
        #expect(Motion.classify(speedKmh: nil, latest: parked, recent: [sample(0, metresEast: 0)]) == .stopped)
        // Fixes older than two minutes say nothing.
        #expect(Motion.classify(speedKmh: nil, latest: sample(600, metresEast: 0),
                                recent: [sample(0, metresEast: 5_000)]) == .unknown)
        #expect(Motion.classify(speedKmh: 1, latest: sample(600, metresEast: 0), recent: []) == .stopped)
    }
}

/// The plausibility rules and the OsmAnd protocol's parameters.
struct FixRuleTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let rules = FixRules(retentionDays: 90)

    func fix(lat: Double = -0.18, lon: Double = 10.77, speed: Double? = 60, ago: TimeInterval = 10) -> Fix {
        Fix(ts: now.addingTimeInterval(-ago), lat: lat, lon: lon, speedKmh: speed)
    }

    @Test func implausibleFixesAreRefusedWithTheirReason() {
        #expect(rules.check(fix(), now: now) == nil)
        #expect(rules.check(fix(lat: 91), now: now) == .impossibleCoordinates)
        #expect(rules.check(fix(lon: -181), now: now) == .impossibleCoordinates)
        #expect(rules.check(fix(lat: 0, lon: 0), now: now) == .outsideGabon)
        #expect(rules.check(fix(lat: 48.85, lon: 2.35), now: now) == .outsideGabon)
        #expect(rules.check(fix(speed: 200), now: now) == nil)
        #expect(rules.check(fix(speed: 200.5), now: now) == .tooFast)
        #expect(rules.check(fix(ago: -119), now: now) == nil)
        #expect(rules.check(fix(ago: -121), now: now) == .inTheFuture)
        #expect(rules.check(fix(ago: 89 * 86_400), now: now) == nil)
        #expect(rules.check(fix(ago: 92 * 86_400), now: now) == .tooOld)
    }

    @Test func osmAndFixesAreReadInKnotsWithUnixOrISOTimes() throws {
        let fix = try OsmAndFix.parse(["id": "12", "lat": "-0.1811", "lon": "10.7682", "timestamp": "1800000000",
                                       "speed": "10", "bearing": "87.5", "altitude": "120", "accuracy": "8",
                                       "key": "k"]).get()
        #expect(fix.deviceID == "12" && fix.key == "k")
        #expect(fix.fix.ts == now && abs(fix.fix.speedKmh! - 18.52) < 1e-9 && fix.fix.heading == 87.5)
        #expect(fix.fix.altitude == 120 && fix.fix.accuracy == 8)
        let iso = try OsmAndFix.parse(["deviceid": "12", "lat": "-0.18", "lon": "10.77",
                                       "timestamp": "2027-01-15T08:00:00.250+01:00"]).get()
        // 2027-01-15T07:00:00.250Z
        #expect(iso.fix.ts == Date(timeIntervalSince1970: 1_799_996_400.25))
        #expect(iso.fix.speedKmh == nil && iso.key == nil)
        guard case .failure(.invalidFix(let errors)) = OsmAndFix.parse(["lat": "north", "timestamp": "soon"]) else {
            Issue.record("a fix without id, longitude or a readable latitude and time was read")
            return
        }
        #expect(Set(errors.map { "\($0.field):\($0.code)" })
                    == ["id:required", "lon:required", "lat:invalid", "timestamp:invalid"])
    }

    @Test func formParametersDecodePercentsAndPluses() {
        #expect(OsmAndFix.formParameters("id=7&key=a%2Bb&name=La+Lop%C3%A9&id=8")
                    == ["id": "7", "key": "a+b", "name": "La Lopé"])
    }

    @Test func deviceCredentialsComeFromTheDeviceScheme() {
        #expect(DeviceKey.credentials(fromAuthorization: "Device 12:abc-_") .map { "\($0.id)|\($0.key)" } == "12|abc-_")
        #expect(DeviceKey.credentials(fromAuthorization: "Bearer 12:abc") == nil)
        #expect(DeviceKey.credentials(fromAuthorization: "Device 12") == nil)
        let key = DeviceKey.make()
        #expect(key.count == 43)
        #expect(DeviceKey.matches(key, hash: DeviceKey.hash(key)))
        #expect(!DeviceKey.matches(key + "x", hash: DeviceKey.hash(key)))
    }
}

/// Day partitions: made ahead, dropped after the retention period.
struct PartitionPlanTests {
    @Test func aNewTableGetsYesterdayTodayAndTheDaysAhead() {
        let plan = PartitionPlan.make(existing: [PositionPartition(name: "p_future", lessThan: nil)], today: 20_000,
                                      daysAhead: 3, retentionDays: 90)
        #expect(plan.add == [19_999, 20_000, 20_001, 20_002, 20_003])
        #expect(plan.drop.isEmpty)
    }

    @Test func laterRoundsAddOnlyTheMissingDaysAndDropThoseTooOld() {
        let existing = (19_900...20_003)
            .map { PositionPartition(name: PositionDay.partitionName($0), lessThan: $0 + 1) }
            + [PositionPartition(name: "p_future", lessThan: nil)]
        let plan = PartitionPlan.make(existing: existing, today: 20_001, daysAhead: 4, retentionDays: 90)
        #expect(plan.add == [20_004, 20_005])
        #expect(plan.drop == (19_900...19_910).map(PositionDay.partitionName))
        #expect(PositionDay.partitionName(20_414) == "p20251122")
    }
}
