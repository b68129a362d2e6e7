import Foundation

/// A calendar date without a time zone (a service date, a travel date), as `YYYY-MM-DD`.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let daysSinceEpoch: Int

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        return calendar
    }()

    public init(daysSinceEpoch: Int) { self.daysSinceEpoch = daysSinceEpoch }

    /// Nil for a date that does not exist (2026-02-30) or a year outside 1970…9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day),
              let date = Self.utcCalendar.date(from: DateComponents(year: year, month: month, day: day)) else {
            return nil
        }
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        self.init(daysSinceEpoch: days)
        let parts = self.parts
        guard parts.year == year, parts.month == month, parts.day == day else { return nil }
    }

    /// Exactly `YYYY-MM-DD`.
    public init?(iso text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public var parts: (year: Int, month: Int, day: Int) {
        let components = Self.utcCalendar.dateComponents(
            [.year, .month, .day], from: Date(timeIntervalSince1970: Double(daysSinceEpoch) * 86_400))
        return (components.year!, components.month!, components.day!)
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday).
    public var isoWeekday: Int { ((daysSinceEpoch + 3) % 7 + 7) % 7 + 1 }

    public func adding(days: Int) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + days) }

    public var description: String {
        let (year, month, day) = parts
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }
}

/// The railway's local time, Africa/Libreville (UTC+1, no daylight saving). Instants are stored in UTC and shown
/// in local time with their offset.
public enum RailwayTime {
    public static let zone: TimeZone = TimeZone(identifier: "Africa/Libreville") ?? TimeZone(secondsFromGMT: 3600)!

    /// The instant `minutes` after local midnight starting `date` (more than a day ahead for overnight stops).
    public static func instant(_ date: LocalDate, minutes: Int) -> Date {
        let local = Double(date.daysSinceEpoch * 86_400 + minutes * 60)
        let guess = local - Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: local)))
        return Date(timeIntervalSince1970: local - Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: guess))))
    }

    /// The local date at `instant`.
    public static func date(of instant: Date) -> LocalDate {
        let local = instant.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: instant))
        return LocalDate(daysSinceEpoch: Int((local / 86_400).rounded(.down)))
    }

    /// From local midnight starting `date` to the next one.
    public static func day(_ date: LocalDate) -> Range<Date> {
        instant(date, minutes: 0)..<instant(date.adding(days: 1), minutes: 0)
    }

    /// `2026-12-01T12:30:00+01:00`: local time with its offset, to the second.
    public static func iso8601(_ instant: Date) -> String {
        let offset = zone.secondsFromGMT(for: instant)
        let local = Int(instant.timeIntervalSince1970.rounded(.down)) + offset
        let days = Int((Double(local) / 86_400).rounded(.down))
        let second = local - days * 86_400
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let sign = offset < 0 ? "-" : "+"
        let zoneMinutes = abs(offset) / 60
        return "\(LocalDate(daysSinceEpoch: days))T\(two(second / 3600)):\(two(second % 3600 / 60)):\(two(second % 60))"
            + "\(sign)\(two(zoneMinutes / 60)):\(two(zoneMinutes % 60))"
    }
}
