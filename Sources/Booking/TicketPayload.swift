import Crypto
import Foundation
import SetragKernel

/// What a ticket's QR code carries: a fixed-size binary record signed with Ed25519, written as base45 text.
/// A conductor's device holding only the published public keys (`GET /api/v1/tickets/keys`) checks it offline.
/// It carries no personal data in clear: the holder is a truncated, salted hash of their name and ID number.
///
/// Layout, version 1 (103 bytes; integers are unsigned, big-endian):
///
/// | offset | size | field                                                                                  |
/// |-------:|-----:|----------------------------------------------------------------------------------------|
/// |      0 |    1 | version: 1                                                                             |
/// |      1 |    2 | key id (kid) of the signing key, as published                                          |
/// |      3 |    8 | ticket id (random)                                                                     |
/// |     11 |    4 | trip id (inventory's dated trip)                                                       |
/// |     15 |    2 | service date: days since 2020-01-01 (the local date the train leaves its first station) |
/// |     17 |    3 | boarding station code, ASCII (`OWE`)                                                   |
/// |     20 |    3 | alighting station code, ASCII (`FCV`)                                                  |
/// |     23 |    1 | coach number (0: an infant on a lap, no seat)                                          |
/// |     24 |    1 | seat number (0: an infant on a lap, no seat)                                           |
/// |     25 |    1 | class: 1 vip, 2 first, 3 second (0: another class)                                     |
/// |     26 |    1 | passenger type: 1 adult, 2 child, 3 infant (0: another type)                           |
/// |     27 |    8 | holder hash: first 8 bytes of SHA-256(ticket id ‖ name ‖ 0x00 ‖ ID number), see `TicketHolder` |
/// |     35 |    4 | valid until: minutes since 1970-01-01T00:00Z                                           |
/// |     39 |   64 | Ed25519 signature of bytes 0 to 38                                                     |
public struct TicketPayload: Sendable, Equatable {
    public static let version: UInt8 = 1
    /// The bytes the signature covers.
    public static let signedLength = 39
    public static let signatureLength = 64
    public static let length = signedLength + signatureLength
    public static let ticketIDLength = 8
    public static let holderHashLength = 8

    public var kid: UInt16
    public var ticketID: [UInt8]
    public var tripID: UInt32
    /// Days since 2020-01-01.
    public var serviceDay: UInt16
    public var from: String
    public var to: String
    public var coach: UInt8
    public var seat: UInt8
    public var travelClass: UInt8
    public var passengerType: UInt8
    public var holderHash: [UInt8]
    /// Minutes since the Unix epoch.
    public var validUntilMinute: UInt32

    public init(kid: UInt16, ticketID: [UInt8], tripID: UInt32, serviceDay: UInt16, from: String, to: String,
                coach: UInt8, seat: UInt8, travelClass: UInt8, passengerType: UInt8, holderHash: [UInt8],
                validUntilMinute: UInt32) {
        self.kid = kid
        self.ticketID = ticketID
        self.tripID = tripID
        self.serviceDay = serviceDay
        self.from = from
        self.to = to
        self.coach = coach
        self.seat = seat
        self.travelClass = travelClass
        self.passengerType = passengerType
        self.holderHash = holderHash
        self.validUntilMinute = validUntilMinute
    }

    public var isLapInfant: Bool { coach == 0 && seat == 0 }
    public var validUntil: Date { Date(timeIntervalSince1970: TimeInterval(validUntilMinute) * 60) }
    public var serviceDate: String { TicketCalendar.isoDate(day: serviceDay) }

    /// Bytes 0 to 38, in the order of the table above. Nil when a field cannot be written (a station code that is
    /// not three ASCII letters or digits, an id or hash of the wrong size).
    public func signedBytes() -> [UInt8]? {
        guard ticketID.count == Self.ticketIDLength, holderHash.count == Self.holderHashLength,
              let from = Self.stationBytes(from), let to = Self.stationBytes(to) else { return nil }
        var bytes: [UInt8] = [Self.version]
        bytes.reserveCapacity(Self.length)
        bytes += [UInt8(kid >> 8), UInt8(kid & 0xFF)]
        bytes += ticketID
        bytes += (0..<4).map { UInt8(tripID >> (24 - 8 * $0) & 0xFF) }
        bytes += [UInt8(serviceDay >> 8), UInt8(serviceDay & 0xFF)]
        bytes += from + to
        bytes += [coach, seat, travelClass, passengerType]
        bytes += holderHash
        bytes += (0..<4).map { UInt8(validUntilMinute >> (24 - 8 * $0) & 0xFF) }
        return bytes
    }

    /// The whole record: the signed bytes and their signature.
    public func signed(with key: Curve25519.Signing.PrivateKey) throws -> [UInt8] {
        guard let bytes = signedBytes() else { throw TicketPayloadError.unwritable }
        return bytes + Array(try key.signature(for: bytes))
    }

    /// Reads a record (without checking its signature: see `TicketService.verify`).
    public static func parse(_ bytes: [UInt8]) throws(TicketPayloadError) -> (payload: TicketPayload,
                                                                           signature: [UInt8]) {
        guard let version = bytes.first else { throw .wrongLength }
        guard version == Self.version else { throw .unsupportedVersion }
        guard bytes.count == length else { throw .wrongLength }
        func integer(_ offset: Int, _ size: Int) -> UInt32 {
            bytes[offset..<offset + size].reduce(0) { $0 << 8 | UInt32($1) }
        }
        func station(_ offset: Int) throws(TicketPayloadError) -> String {
            let code = Array(bytes[offset..<offset + 3])
            guard code.allSatisfy(Self.isStationByte) else { throw .badField }
            return String(decoding: code, as: UTF8.self)
        }
        let payload = TicketPayload(
            kid: UInt16(integer(1, 2)), ticketID: Array(bytes[3..<11]), tripID: integer(11, 4),
            serviceDay: UInt16(integer(15, 2)), from: try station(17), to: try station(20), coach: bytes[23],
            seat: bytes[24], travelClass: bytes[25], passengerType: bytes[26], holderHash: Array(bytes[27..<35]),
            validUntilMinute: integer(35, 4))
        return (payload, Array(bytes[signedLength...]))
    }

    static func isStationByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    static func stationBytes(_ code: String) -> [UInt8]? {
        let bytes = Array(code.utf8)
        return bytes.count == 3 && bytes.allSatisfy(isStationByte) ? bytes : nil
    }

    // MARK: codes

    /// Class codes of byte 25.
    public static let classCodes: [String: UInt8] = ["vip": 1, "first": 2, "second": 3]
    /// Passenger type codes of byte 26.
    public static let passengerTypeCodes: [String: UInt8] = ["adult": 1, "child": 2, "infant": 3]

    public static func classCode(_ travelClass: String) -> UInt8 { classCodes[travelClass] ?? 0 }
    public static func passengerTypeCode(_ type: String) -> UInt8 { passengerTypeCodes[type] ?? 0 }
}

public enum TicketPayloadError: Error, Equatable, Sendable {
    /// Not the 103 bytes of version 1 (truncated, or with bytes added).
    case wrongLength
    /// A version this service does not know.
    case unsupportedVersion
    /// A field that cannot be (a station code with bytes other than A-Z 0-9).
    case badField
    /// A field that cannot be written (a station code that is not three ASCII letters).
    case unwritable
}

/// Who may travel on a ticket, without naming them: a hash the conductor's device recomputes from the ID card shown.
///
/// - The name is normalised the same way on every device: upper-cased, decomposed (Unicode NFKD), combining marks
///   removed (É → E), every run of characters that are neither letters nor digits (spaces, hyphens, apostrophes)
///   made one space, leading and trailing spaces dropped: `Léa  Mba-Obame` → `LEA MBA OBAME`.
///   (In JavaScript: `s.toUpperCase().normalize('NFKD').replace(/\p{M}/gu, '')
///   .replace(/[^\p{L}\p{N}]+/gu, ' ').trim()`.)
/// - The ID number keeps only its ASCII letters and digits, upper-cased: `gab-76 54` → `GAB7654`. Lap infants
///   without an ID number use the empty text.
/// - hash = the first 8 bytes of SHA-256(ticket id (8 bytes) ‖ UTF-8 name ‖ 0x00 ‖ UTF-8 ID number). The ticket id
///   salts it, so one person's tickets cannot be linked by their hashes and no table of hashes serves for all
///   tickets. 8 bytes only confirm an identity the conductor already has in hand; they cannot stand in for it.
public enum TicketHolder {
    public static func normalisedName(_ name: String) -> String {
        let decomposed = name.uppercased().decomposedStringWithCompatibilityMapping
        var output = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in decomposed.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                continue
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                 .decimalNumber, .letterNumber, .otherNumber:
                if pendingSpace, !output.isEmpty { output.append(" ") }
                pendingSpace = false
                output.append(scalar)
            default:
                pendingSpace = true
            }
        }
        return String(output)
    }

    public static func normalisedIDNumber(_ idNumber: String?) -> String {
        String(String.UnicodeScalarView((idNumber ?? "").uppercased().unicodeScalars.filter {
            ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        }))
    }

    public static func hash(ticketID: [UInt8], name: String, idNumber: String?) -> [UInt8] {
        var input = ticketID
        input += Array(normalisedName(name).utf8)
        input.append(0)
        input += Array(normalisedIDNumber(idNumber).utf8)
        return Array(SHA256.hash(data: input).prefix(TicketPayload.holderHashLength))
    }
}

/// Dates as the payload writes them.
enum TicketCalendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// 2020-01-01T00:00Z.
    static let epoch = Date(timeIntervalSince1970: 1_577_836_800)

    /// Days since 2020-01-01 of a `YYYY-MM-DD` date; nil when it is not one or lies outside 2020-01-01 ... 2199.
    static func day(ofISODate text: String) -> UInt16? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (2020...2199).contains(year), (1...12).contains(month), (1...31).contains(day),
              let date = utc.date(from: DateComponents(year: year, month: month, day: day)),
              utc.component(.day, from: date) == day else { return nil }
        let days = Int((date.timeIntervalSince(epoch) / 86_400).rounded())
        return UInt16(exactly: days)
    }

    static func isoDate(day: UInt16) -> String {
        let date = epoch.addingTimeInterval(TimeInterval(day) * 86_400)
        let parts = utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// Midnight at the start of a service date, railway time (Africa/Libreville).
    static func localMidnight(day: UInt16) -> Date {
        let utcMidnight = epoch.addingTimeInterval(TimeInterval(day) * 86_400)
        return utcMidnight.addingTimeInterval(-TimeInterval(LocalTime.zone.secondsFromGMT(for: utcMidnight)))
    }

    static func minute(of instant: Date) -> UInt32 {
        UInt32(clamping: Int64((instant.timeIntervalSince1970 / 60).rounded(.down)))
    }
}

/// Ticket ids: 8 random bytes (64 bits), shown as 13 characters of Crockford's base32 (no I, L, O, U).
public struct TicketIDGenerator: Sendable {
    let make: @Sendable () -> [UInt8]

    public init(_ make: @escaping @Sendable () -> [UInt8]) { self.make = make }

    public func next() -> [UInt8] { make() }

    public static let live = TicketIDGenerator { randomBytes(TicketPayload.ticketIDLength) }

    /// The id as text (the kernel's Crockford base32, upper case).
    public static func text(_ id: [UInt8]) -> String { crockfordBase32(id) }
}
