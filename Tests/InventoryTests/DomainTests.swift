import Foundation
import Testing
@testable import Inventory

/// The rules that need neither HTTP nor SQL: dates, local time, names, reference data checks.
struct DomainTests {
    @Test func datesAreStrictIsoCalendarDates() {
        #expect(LocalDate(iso: "2026-12-01")?.description == "2026-12-01")
        #expect(LocalDate(iso: "2026-12-01")?.isoWeekday == 2)
        #expect(LocalDate(iso: "2028-02-29") != nil)
        for text in ["2026-02-30", "2027-02-29", "2026-13-01", "2026-1-05", "26-01-05", "2026-01-05T00:00", "",
                     "２０２６-01-05", "0000-01-01"] {
            #expect(LocalDate(iso: text) == nil, "\(text)")
        }
        let date = LocalDate(iso: "2026-12-31")!
        #expect(date.adding(days: 1).description == "2027-01-01")
    }

    @Test func localTimeIsLibrevilleUTCPlusOne() {
        let date = LocalDate(iso: "2026-12-01")!
        let departure = RailwayTime.instant(date, minutes: 12 * 60 + 30)
        #expect(departure == Date(timeIntervalSince1970: 1_796_124_600))  // 2026-12-01T11:30:00Z
        #expect(RailwayTime.iso8601(departure) == "2026-12-01T12:30:00+01:00")
        let overnight = RailwayTime.instant(date, minutes: 1440 + 49)
        #expect(RailwayTime.iso8601(overnight) == "2026-12-02T00:49:00+01:00")
        // 22:59Z is 23:59 in Libreville, 23:00Z already the next day.
        #expect(RailwayTime.date(of: Date(timeIntervalSince1970: 1_796_165_940)).description == "2026-12-01")
        #expect(RailwayTime.date(of: Date(timeIntervalSince1970: 1_796_166_000)).description == "2026-12-02")
        #expect(RailwayTime.day(date).upperBound.timeIntervalSince(RailwayTime.day(date).lowerBound) == 86_400)
    }

    @Test func stationNamesMatchWhateverTheCaseAccentsAndPunctuation() {
        #expect(StationDirectory.key("Ndjolé") == "ndjole")
        #expect(StationDirectory.key("NDJOLE") == "ndjole")
        #expect(StationDirectory.key("Ndjole\u{301}") == "ndjole")
        #expect(StationDirectory.key("M'Bel") == "mbel")
        #expect(StationDirectory.key("Mboungou-Mbadouma") == "mboungoumbadouma")
    }

    static func rollingStock() throws -> String {
        try String(contentsOf: InventoryFixture.dataDirectory.appendingPathComponent("rolling-stock.json"),
                   encoding: .utf8)
    }

    @Test func referenceDataProblemsNameTheFileAndLine() throws {
        let stations = "code,name,km,lat,lon,type,coord_quality\nOWE,Owendo,0,0.3,9.5,terminus,placed\n"
            + "\"NTO\",\"Ntoum, \"\"centre\"\"\",35,0.39,9.75,principale,town\n"
        let line = "seq,lat,lon,note\n1,0.3,9.5,Owendo\n"
        let header = "train,service,direction,weekday,seq,station,arrival,arrival_day,departure,departure_day\n"
        let good = header + "211,express,OWE-NTO,Tue,1,OWE,,,12:30,0\n211,express,OWE-NTO,Tue,2,NTO,13:08,0,,\n"
        let data = try ReferenceData.parse(stations: stations, line: line, timetable: good,
                                           rollingStock: try Self.rollingStock())
        #expect(data.stations.map(\.name) == ["Owendo", "Ntoum, \"centre\""])
        #expect(data.timetable.first?.stops.last?.arrival == StopTime(minuteOfDay: 13 * 60 + 8, day: 0))

        let cases = [
            (header + "211,express,OWE-NTO,Tue,1,OWE,,,12:30,0\n211,express,OWE-NTO,Tue,2,XYZ,13:08,0,,\n",
             "timetable.csv:3: unknown station XYZ"),
            (header + "211,express,OWE-NTO,Tue,1,OWE,,,12:30,0\n211,express,OWE-NTO,Tue,2,NTO,25:08,0,,\n",
             "timetable.csv:3: arrival must be HH:MM with a day offset 0…6"),
            (header + "211,express,OWE-NTO,Tue,1,OWE,,,12:30,0\n211,express,OWE-NTO,Tue,2,NTO,12:08,0,,\n",
             "timetable.csv:3: train 211: times must not go backwards"),
            (header + "211,express,OWE-NTO,Tue,1,OWE,,,12:30,0\n211,express,OWE-NTO,Tue,2,NTO,13:08,0\n",
             "timetable.csv:3: has 8 fields, the header 10"),
            (header + "211,train,OWE-NTO,Tue,1,OWE,,,12:30,0\n",
             "timetable.csv:2: service train has no consist in rolling-stock.json"),
        ]
        for (timetable, message) in cases {
            #expect(throws: ReferenceDataError.self) {
                _ = try ReferenceData.parse(stations: stations, line: line, timetable: timetable,
                                            rollingStock: try Self.rollingStock())
            }
            do {
                _ = try ReferenceData.parse(stations: stations, line: line, timetable: timetable,
                                            rollingStock: try Self.rollingStock())
            } catch {
                #expect("\(error)" == message)
            }
        }
    }

    @Test func theRepositoryDataLoads() throws {
        let data = try ReferenceData.load(directory: InventoryFixture.dataDirectory)
        #expect(data.stations.count == 24)
        #expect(data.timetable.count == 8)
        #expect(data.coachTypes.first { $0.code == "VIP36" }?.seats.count == 36)
        #expect(data.coachTypes.first { $0.code == "A60" }?.seats.count == 60)
        #expect(data.coachTypes.first { $0.code == "B80" }?.seats.count == 80)
    }
}
