import Foundation

/// CRC-32 as ZIP (and PNG, gzip, Ethernet) use it: the reflected polynomial 0xEDB88320, starting from all ones and
/// inverted at the end. `CRC32.checksum(Array("123456789".utf8)) == 0xCBF43926`.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

/// A ZIP archive of stored (uncompressed) files, as PKWARE's APPNOTE describes it: for each file a local header and
/// its bytes, then the central directory (one entry per file, pointing at its local header) and the end record.
/// Only what the GTFS feed needs: no compression, no ZIP64 (every size and offset under 4 GiB, under 65,535 files).
/// The bytes depend only on the files and `modified`, so the same content always gives the same archive.
public enum ZipArchive {
    public struct File: Sendable, Equatable {
        public var name: String
        public var bytes: [UInt8]

        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    public enum Failure: Error, Equatable {
        /// Over what an archive without ZIP64 can describe.
        case tooLarge
        case invalidName(String)
    }

    /// ZIP's version 1.0: stored files, nothing more.
    static let versionNeeded: UInt16 = 10
    /// Made by Unix (3), spec 2.0: the external attributes are Unix permissions.
    static let versionMadeBy: UInt16 = 3 << 8 | 20
    /// Bit 11: names are UTF-8.
    static let utf8Names: UInt16 = 1 << 11
    /// A regular file, rw-r--r--.
    static let unixAttributes: UInt32 = 0o100644 << 16

    /// The archive of `files`, in that order, each stamped `modified` (MS-DOS time: local time of `timeZone`, to
    /// two seconds, 1980 to 2107).
    public static func archive(_ files: [File], modified: Date,
                               timeZone: TimeZone = TimeZone(secondsFromGMT: 0)!) throws -> [UInt8] {
        guard files.count < 0xFFFF else { throw Failure.tooLarge }
        let (time, date) = dosTime(modified, timeZone: timeZone)
        var out: [UInt8] = []
        var central: [UInt8] = []
        for file in files {
            let name = Array(file.name.utf8)
            guard !name.isEmpty, name.count < 0xFFFF, !file.name.hasPrefix("/"), !file.name.contains("\\") else {
                throw Failure.invalidName(file.name)
            }
            guard file.bytes.count < 0xFFFF_FFFF, out.count < 0xFFFF_FFFF else { throw Failure.tooLarge }
            let crc = CRC32.checksum(file.bytes)
            let size = UInt32(file.bytes.count)
            let offset = UInt32(out.count)

            out.append(le32: 0x0403_4B50)
            out.append(le16: versionNeeded)
            out.append(le16: utf8Names)
            out.append(le16: 0)  // stored
            out.append(le16: time)
            out.append(le16: date)
            out.append(le32: crc)
            out.append(le32: size)  // compressed
            out.append(le32: size)  // uncompressed
            out.append(le16: UInt16(name.count))
            out.append(le16: 0)  // no extra field
            out += name
            out += file.bytes

            central.append(le32: 0x0201_4B50)
            central.append(le16: versionMadeBy)
            central.append(le16: versionNeeded)
            central.append(le16: utf8Names)
            central.append(le16: 0)
            central.append(le16: time)
            central.append(le16: date)
            central.append(le32: crc)
            central.append(le32: size)
            central.append(le32: size)
            central.append(le16: UInt16(name.count))
            central.append(le16: 0)  // extra field
            central.append(le16: 0)  // comment
            central.append(le16: 0)  // disk number
            central.append(le16: 0)  // internal attributes
            central.append(le32: unixAttributes)
            central.append(le32: offset)
            central += name
        }
        guard out.count + central.count < 0xFFFF_FFFF else { throw Failure.tooLarge }
        let centralOffset = UInt32(out.count)
        out += central
        out.append(le32: 0x0605_4B50)
        out.append(le16: 0)  // this disk
        out.append(le16: 0)  // the disk where the central directory starts
        out.append(le16: UInt16(files.count))
        out.append(le16: UInt16(files.count))
        out.append(le32: UInt32(central.count))
        out.append(le32: centralOffset)
        out.append(le16: 0)  // comment
        return out
    }

    /// MS-DOS time and date: hours, minutes and seconds / 2; years since 1980, month, day.
    static func dosTime(_ date: Date, timeZone: TimeZone) -> (time: UInt16, date: UInt16) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = min(2107, max(1980, parts.year ?? 1980))
        let time = (parts.hour ?? 0) << 11 | (parts.minute ?? 0) << 5 | (parts.second ?? 0) / 2
        let day = (year - 1980) << 9 | (parts.month ?? 1) << 5 | (parts.day ?? 1)
        return (UInt16(time), UInt16(day))
    }
}

extension [UInt8] {
    mutating func append(le16 value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    mutating func append(le32 value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
