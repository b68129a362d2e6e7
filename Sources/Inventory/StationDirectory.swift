import Foundation

/// The stations in line order, found by code or by name whatever the case, accents and punctuation
/// (`ndj`, `NDJOLE`, `Ndjolé`, `m'bel`, `MBEL`).
public struct StationDirectory: Sendable {
    public let stations: [Station]
    let byCode: [String: Station]
    let byName: [String: Station]

    public init(_ stations: [Station]) {
        self.stations = stations.sorted { $0.seq < $1.seq }
        byCode = Dictionary(stations.map { ($0.code, $0) }) { first, _ in first }
        byName = Dictionary(stations.map { (Self.key($0.name), $0) }) { first, _ in first }
    }

    /// Lower case, no accents, letters and digits only.
    public static func key(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        return String(folded.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
            .lowercased()
    }

    public func find(_ text: String) -> Station? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 100 else { return nil }
        if let station = byCode[trimmed.uppercased()] { return station }
        let key = Self.key(trimmed)
        return key.isEmpty ? nil : byName[key]
    }

    /// The legs between two stations, either way: leg `n` joins the stations `n` and `n + 1` along the line.
    public static func legs(between a: Station, and b: Station) -> ClosedRange<Int> {
        precondition(a.seq != b.seq, "a journey joins two different stations")
        return min(a.seq, b.seq)...(max(a.seq, b.seq) - 1)
    }
}
