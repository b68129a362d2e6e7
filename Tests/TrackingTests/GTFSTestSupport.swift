import Foundation
import Testing

/// Reads a ZIP archive of stored files the way an unzipping tool does, independently of `ZipArchive`: the end
/// record, then each central directory entry and the local header it points at, whose fields must agree.
enum ZipReader {
    struct Entry: Equatable {
        let name: String
        let bytes: [UInt8]
        let crc: UInt32
        let dosTime: UInt16
        let dosDate: UInt16
    }

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    static func u16(_ bytes: [UInt8], _ at: Int) throws -> Int {
        guard at >= 0, at + 2 <= bytes.count else { throw Malformed(description: "short read at \(at)") }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }

    static func u32(_ bytes: [UInt8], _ at: Int) throws -> Int {
        let low = try u16(bytes, at), high = try u16(bytes, at + 2)
        return low | high << 16
    }

    static func entries(_ zip: [UInt8]) throws -> [Entry] {
        // The end record is the last 22 bytes when there is no comment.
        let end = zip.count - 22
        guard try u32(zip, end) == 0x0605_4B50 else { throw Malformed(description: "no end record") }
        let count = try u16(zip, end + 10)
        guard try u16(zip, end + 8) == count else { throw Malformed(description: "disk counts differ") }
        let size = try u32(zip, end + 12), offset = try u32(zip, end + 16)
        guard offset + size == end else { throw Malformed(description: "central directory not before the end") }
        var entries: [Entry] = []
        var at = offset
        for _ in 0..<count {
            guard try u32(zip, at) == 0x0201_4B50 else { throw Malformed(description: "no central entry at \(at)") }
            let method = try u16(zip, at + 10), time = try u16(zip, at + 12), date = try u16(zip, at + 14)
            let crc = try u32(zip, at + 16), compressed = try u32(zip, at + 20), plain = try u32(zip, at + 24)
            let nameLength = try u16(zip, at + 28), extra = try u16(zip, at + 30), comment = try u16(zip, at + 32)
            let local = try u32(zip, at + 42)
            let name = String(decoding: zip[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            guard method == 0, compressed == plain else { throw Malformed(description: "\(name) is not stored") }
            // The local header repeats the same facts.
            guard try u32(zip, local) == 0x0403_4B50, try u16(zip, local + 8) == method,
                  try u16(zip, local + 10) == time, try u16(zip, local + 12) == date,
                  try u32(zip, local + 14) == crc, try u32(zip, local + 18) == compressed,
                  try u32(zip, local + 22) == plain, try u16(zip, local + 26) == nameLength,
                  String(decoding: zip[(local + 30)..<(local + 30 + nameLength)], as: UTF8.self) == name else {
                throw Malformed(description: "local header of \(name) disagrees")
            }
            let start = local + 30 + nameLength + (try u16(zip, local + 28))
            guard start + plain <= offset else { throw Malformed(description: "\(name) overruns") }
            entries.append(Entry(name: name, bytes: Array(zip[start..<(start + plain)]), crc: UInt32(crc),
                                 dosTime: UInt16(time), dosDate: UInt16(date)))
            at += 46 + nameLength + extra + comment
        }
        guard at == end else { throw Malformed(description: "central directory size is wrong") }
        return entries
    }

    /// `unzip -t` on the archive (written to a temporary file): its exit status and output; nil without unzip.
    static func unzipTest(_ zip: [UInt8]) throws -> (status: Int32, output: String)? {
        let tool = "/usr/bin/unzip"
        guard FileManager.default.isExecutableFile(atPath: tool) else { return nil }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gtfs-\(UUID().uuidString).zip")
        try Data(zip).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-t", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}

/// A GTFS file's rows as dictionaries by column name (RFC 4180 quoting).
enum CSVRows {
    static func parse(_ bytes: [UInt8]) -> [[String: String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(String(decoding: bytes, as: UTF8.self))[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                record.append(field)
                field = ""
            } else if character == "\r\n" || character == "\n" {
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !record.isEmpty { records.append(record + [field]) }
        guard let header = records.first else { return [] }
        return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }
}
