import Foundation

/// A calendar date-time without time zone, as MySQL stores DATETIME / TIMESTAMP / DATE / TIME values.
/// The pool sets the session `time_zone` to `+00:00`, so these are always read and written as UTC.
struct MySQLDateTime: Sendable, Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    var microsecond: Int
    /// For TIME values only: the value is negative.
    var negative: Bool = false
    var kind: Kind

    enum Kind: Sendable, Equatable { case date, dateTime, time }

    /// Converts a `Date` to its UTC calendar components (microsecond precision, rounded to nearest),
    /// computed arithmetically so that the process time zone never matters.
    init(utc date: Date) {
        let totalMicros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        var micros = Int64(totalMicros)
        var seconds = micros / 1_000_000
        micros %= 1_000_000
        if micros < 0 {
            micros += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (y, m, d) = MySQLDateTime.civil(fromDays: days)
        self.year = Int(y)
        self.month = Int(m)
        self.day = Int(d)
        self.hour = Int(secondOfDay / 3600)
        self.minute = Int(secondOfDay % 3600 / 60)
        self.second = Int(secondOfDay % 60)
        self.microsecond = Int(micros)
        self.kind = .dateTime
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int, negative: Bool = false, kind: Kind) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
        self.negative = negative
        self.kind = kind
    }

    /// The instant these UTC components denote, or nil for MySQL's zero date (`0000-00-00`).
    var utcDate: Date? {
        guard kind != .time, month >= 1, month <= 12, day >= 1, day <= 31 else { return nil }
        let days = MySQLDateTime.days(fromCivil: Int64(year), Int64(month), Int64(day))
        let seconds = days * 86_400 + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
        // Split to keep microsecond precision in the Double.
        return Date(timeIntervalSince1970: Double(seconds) + Double(microsecond) / 1_000_000)
    }

    /// Text form as MySQL prints it (`YYYY-MM-DD HH:MM:SS[.ffffff]`, `YYYY-MM-DD`, `[-]HHH:MM:SS[.ffffff]`).
    var text: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        let fraction = microsecond == 0 ? "" : "." + pad(microsecond, 6)
        switch kind {
        case .date:
            return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        case .dateTime:
            return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))\(fraction)"
        case .time:
            let hours = day * 24 + hour
            return "\(negative ? "-" : "")\(pad(hours, 2)):\(pad(minute, 2)):\(pad(second, 2))\(fraction)"
        }
    }

    /// Parses `YYYY-MM-DD[ T]HH:MM:SS[.f…]` or `YYYY-MM-DD` (as returned by string functions).
    init?(parsing text: String) {
        let scalars = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= scalars.count else { return nil }
            var value = 0
            for index in range {
                let c = scalars[index]
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        guard scalars.count >= 10, scalars[4] == 45, scalars[7] == 45,
              let y = number(0..<4), let m = number(5..<7), let d = number(8..<10)
        else { return nil }
        if scalars.count == 10 {
            self.init(year: y, month: m, day: d, hour: 0, minute: 0, second: 0, microsecond: 0, kind: .date)
            return
        }
        guard scalars.count >= 19, scalars[10] == 32 || scalars[10] == 84, scalars[13] == 58, scalars[16] == 58,
              let h = number(11..<13), let mi = number(14..<16), let s = number(17..<19)
        else { return nil }
        var micros = 0
        if scalars.count > 19 {
            guard scalars[19] == 46 else { return nil }
            let digits = scalars[20...].prefix(6)
            guard !digits.isEmpty, let value = number(20..<(20 + digits.count)) else { return nil }
            micros = value
            for _ in digits.count..<6 { micros *= 10 }
        }
        self.init(year: y, month: m, day: d, hour: h, minute: mi, second: s, microsecond: micros, kind: .dateTime)
    }

    // Days since 1970-01-01 <-> proleptic Gregorian civil date (algorithm of H. Hinnant, public domain).
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }
}

/// One fetched column value.
enum MySQLValue: Sendable {
    case null
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    /// Text (utf8mb4) or decimal/JSON/enum rendered as text.
    case text([UInt8])
    /// Binary string / BLOB / BIT / GEOMETRY bytes.
    case bytes([UInt8])
    case dateTime(MySQLDateTime)
}

/// A value ready to bind as a prepared-statement parameter.
enum MySQLBindValue: Sendable {
    case null
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case float(Float)
    case text([UInt8])
    case bytes([UInt8])
    case dateTime(MySQLDateTime)

    /// Bytes needed to send it (for the `max_allowed_packet` checks).
    var payloadSize: Int {
        switch self {
        case .text(let b), .bytes(let b): b.count
        default: 16
        }
    }
}
