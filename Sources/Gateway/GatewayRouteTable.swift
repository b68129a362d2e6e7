import Foundation

/// Which service answers which public path. Users never see service names in URLs; this table is the only place
/// that knows them.
public enum GatewayRouteTable {
    /// Public path prefixes and the service behind each, sorted by prefix. A prefix matches itself and everything
    /// below it (`/api/v1/trips` matches `/api/v1/trips/42/seats`, not `/api/v1/tripsheet`); a prefix ending in
    /// `/` matches everything that starts with it.
    public static let prefixes: [(prefix: String, service: String)] = [
        ("/.well-known/", "identity"),
        ("/api/v1/assistant", "assistant"),
        ("/api/v1/audit", "identity"),
        ("/api/v1/bookings", "booking"),
        ("/api/v1/clients", "identity"),
        ("/api/v1/devices", "tracking"),
        ("/api/v1/gtfs-rt/", "tracking"),
        ("/api/v1/gtfs.zip", "tracking"),
        ("/api/v1/live", "tracking"),
        ("/api/v1/me", "identity"),
        ("/api/v1/notifications", "notifications"),
        ("/api/v1/offers", "booking"),
        ("/api/v1/organisations", "identity"),
        ("/api/v1/payments", "payments"),
        ("/api/v1/positions", "tracking"),
        ("/api/v1/quotes", "shipping"),
        ("/api/v1/shipments", "shipping"),
        ("/api/v1/stations", "inventory"),
        ("/api/v1/tickets", "booking"),
        ("/api/v1/trains", "tracking"),
        ("/api/v1/trips", "inventory"),
        ("/api/v1/users", "identity"),
        ("/oauth/", "identity"),
        ("/osmand", "tracking"),
    ]

    /// Every service that has public paths, in name order (the `/api/docs` index).
    public static var services: [String] { Set(prefixes.map(\.service)).sorted() }

    /// The matching row for a request path (without its query), or nil.
    public static func match(_ path: String) -> (prefix: String, service: String)? {
        for row in prefixes {
            if row.prefix.hasSuffix("/") {
                if path.hasPrefix(row.prefix) { return row }
            } else if path == row.prefix || path.hasPrefix(row.prefix + "/") {
                return row
            }
        }
        return nil
    }

    /// Paths that must never reach a service from outside, whatever the table says.
    static func isForbidden(_ path: String) -> Bool {
        if path == "/internal" || path.hasPrefix("/internal/") { return true }
        // Dot segments, raw or percent-encoded, could climb out of a prefix once an upstream normalises them.
        // Only segments with a `%` need decoding (the rare case); the others are checked as they are.
        let dot = UInt8(ascii: "."), backslash = UInt8(ascii: "\\")
        for segment in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if segment.contains(UInt8(ascii: "%")) {
                let decoded = String(Substring(segment)).removingPercentEncoding ?? String(Substring(segment))
                if decoded == "." || decoded == ".." || decoded.contains("/") || decoded.contains("\\") { return true }
            } else if segment.elementsEqual([dot]) || segment.elementsEqual([dot, dot]) || segment.contains(backslash) {
                return true
            }
        }
        return false
    }
}
