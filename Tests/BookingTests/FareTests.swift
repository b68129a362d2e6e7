import Foundation
import SetragKernel
import Testing
@testable import Booking

/// The fare book from the repository's `data/fares.json` and the rules it gives, without HTTP or SQL.
@Suite struct FareTests {
    static let fares: FareBook = { try! FareData.load(directory: BookingFixture.dataDirectory) }()

    @Test func owendoToFrancevilleFollowsThePerKilometreGrid() throws {
        let fares = Self.fares
        // PK 0 to PK 669: 2nd 45 × 669 = 30,105 -> 30,000; 1st 70 × 669 = 46,830 -> 47,000; VIP 115 × 669 = 76,935
        // -> 77,000 (the domain brief's example, which the formula gives exactly).
        let metres = FareBook.metres(fromKm: 0, toKm: 669)
        #expect(fares.classFare("second", metres: metres) == 30_000)
        #expect(fares.classFare("first", metres: metres) == 47_000)
        #expect(fares.classFare("vip", metres: metres) == 77_000)
        // Either direction.
        #expect(FareBook.metres(fromKm: 669, toKm: 0) == metres)
    }

    @Test func faresRoundToTheNearest500WithAFloor() {
        let fares = Self.fares
        // 2nd class: 45 XAF/km. 10 km = 450 -> 500 -> floor 1,000. 50 km = 2,250 -> 2,500 (halves up).
        // 55 km = 2,475 -> 2,500; 61 km = 2,745 -> 2,500; 62 km = 2,790 -> 3,000.
        #expect(fares.classFare("second", metres: 10_000) == 1_000)
        #expect(fares.classFare("second", metres: 50_000) == 2_500)
        #expect(fares.classFare("second", metres: 55_000) == 2_500)
        #expect(fares.classFare("second", metres: 61_000) == 2_500)
        #expect(fares.classFare("second", metres: 62_000) == 3_000)
        // Owendo - Ndjolé (PK 182): 8,190 -> 8,000; 12,740 -> 12,500; 20,930 -> 21,000.
        #expect(fares.classFare("second", metres: 182_000) == 8_000)
        #expect(fares.classFare("first", metres: 182_000) == 12_500)
        #expect(fares.classFare("vip", metres: 182_000) == 21_000)
        #expect(fares.classFare("sleeper", metres: 182_000) == nil)
    }

    @Test func childrenPayHalfAndInfantsNothing() {
        let fares = Self.fares
        let metres = 669_000
        #expect(fares.fare("second", passengerType: "adult", metres: metres) == 30_000)
        #expect(fares.fare("second", passengerType: "child", metres: metres) == 15_000)
        #expect(fares.fare("second", passengerType: "infant", metres: metres) == 0)
        #expect(fares.fare("vip", passengerType: "child", metres: metres) == 38_500)
        // Half of the 1,000 floor.
        #expect(fares.fare("second", passengerType: "child", metres: 5_000) == 500)
        #expect(fares.passengerType("infant")?.needsSeat == false)
        #expect(fares.passengerType("infant")?.onLapOf == "adult")
    }

    @Test func refundAndExchangeFeesDependOnTheTimeLeftBeforeDeparture() {
        let fares = Self.fares
        let departure = Date(timeIntervalSince1970: 2_000_000_000)
        func at(hoursBefore: Double) -> Date { departure.addingTimeInterval(-hoursBefore * 3600) }
        let early = fares.quote(.refund, cause: .customer, amount: 45_000, departure: departure,
                                now: at(hoursBefore: 48))
        #expect(early == .init(feePercent: 10, fee: 4_500, remainder: 40_500))
        #expect(fares.quote(.refund, cause: .customer, amount: 45_000, departure: departure,
                            now: at(hoursBefore: 24))?.feePercent == 10)
        let late = fares.quote(.refund, cause: .customer, amount: 45_000, departure: departure,
                               now: at(hoursBefore: 23.9))
        #expect(late == .init(feePercent: 20, fee: 9_000, remainder: 36_000))
        #expect(fares.quote(.refund, cause: .customer, amount: 45_000, departure: departure,
                            now: at(hoursBefore: -0.1)) == nil)
        #expect(fares.quote(.exchange, cause: .customer, amount: 30_000, departure: departure,
                            now: at(hoursBefore: 30))?.fee == 0)
        #expect(fares.quote(.exchange, cause: .customer, amount: 30_000, departure: departure,
                            now: at(hoursBefore: 2))?.fee == 3_000)
        // SETRAG cancelled the trip: all of it back, even after the planned departure.
        #expect(fares.quote(.refund, cause: .operator, amount: 45_000, departure: departure,
                            now: at(hoursBefore: -5)) == .init(feePercent: 0, fee: 0, remainder: 45_000))
        #expect(fares.quote(.exchange, cause: .operator, amount: 45_000, departure: departure,
                            now: at(hoursBefore: 1))?.fee == 0)
    }

    @Test func aBrokenFareFileIsRefusedWithEveryProblem() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fares-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let broken = """
            {"source": "test", "currency": "EUR", "roundingStep": 0, "minimumFare": 1000,
             "classes": [{"code": "vip", "name": "VIP", "perKm": 0}, {"code": "vip", "name": "VIP", "perKm": 5}],
             "passengerTypes": [{"code": "infant", "name": "Bébé", "minAge": 0, "maxAge": 3, "farePercent": 150,
                                 "needsSeat": false, "onLapOf": "adult"}],
             "changeRules": {"customer": {"refund": [{"fromHoursBefore": 24, "feePercent": 10}], "swap": []}}}
            """
        try Data(broken.utf8).write(to: directory.appendingPathComponent(FareData.fileName))
        let error = try #require(throws: FareDataError.self) { try FareData.load(directory: directory) }
        #expect(error.problems.count >= 6)
        #expect(error.problems.contains { $0.contains("currency") })
        #expect(error.problems.contains { $0.contains("onLapOf") })
        #expect(error.problems.contains { $0.contains("swap") })
    }

    @Test func pnrsAreSixCharactersWithoutLookAlikes() {
        let codes = (0..<2000).map { _ in PNRGenerator.live.next() }
        #expect(codes.allSatisfy { $0.count == 6 && PNRGenerator.isWellFormed($0) })
        #expect(codes.allSatisfy { !$0.contains(where: { "01OIL".contains($0) }) })
        #expect(Set(codes).count > 1990)
        #expect(!PNRGenerator.isWellFormed("ABC0EF") && !PNRGenerator.isWellFormed("ABCDE"))
    }

    @Test func contactPhonesFollowTheGabonesePlan() {
        #expect(GabonesePhone.mobileE164("077 12 34 56") == "+24177123456")
        #expect(GabonesePhone.mobileE164("+241 66 00 11 22") == "+24166001122")
        #expect(GabonesePhone.mobileE164("00241 74 00 11 22") == "+24174001122")
        for bad in ["011123456", "07712345", "0781234567", "+33612345678", "abc", ""] {
            #expect(GabonesePhone.mobileE164(bad) == nil, "\(bad)")
        }
    }
}
