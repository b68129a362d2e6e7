import Foundation
import GTFSRealtime
import Hummingbird
import Logging
import NIOCore
import SetragKernel

/// The open data feeds (public): the static GTFS feed `GET /api/v1/gtfs.zip` and the GTFS Realtime feeds
/// `GET /api/v1/gtfs-rt/{vehicle-positions,trip-updates,alerts}` (`application/x-protobuf`).
struct GTFSRoutes: Sendable {
    static let protobuf = "application/x-protobuf"
    static let contentDisposition = HTTPField.Name("Content-Disposition")!

    let schedule: GTFSScheduleSource
    let realtime: GTFSRealtimeFeeds
    let now: @Sendable () -> Date

    init(parts: TrackingModule.Parts, logger: Logger, now: @escaping @Sendable () -> Date) {
        let schedule = GTFSScheduleSource(inventory: parts.inventory, logger: logger)
        self.schedule = schedule
        realtime = GTFSRealtimeFeeds(store: parts.store, progress: parts.progress, schedule: schedule,
                                     cancellations: CancelledTripsSource(inventory: parts.inventory),
                                     activeWindow: Double(parts.options.activeMinutes) * 60, logger: logger)
        self.now = now
    }

    func register(on router: Router<AppContext>) {
        router.get("/api/v1/gtfs.zip") { request, _ in
            let feed = try await schedule.schedule(now: now())
            var headers: HTTPFields = [
                .eTag: feed.etag, .lastModified: HTTPDate.format(feed.lastModified),
                .cacheControl: "public, max-age=300",
            ]
            if Self.notModified(request.headers, etag: feed.etag, lastModified: feed.lastModified) {
                return Response(status: .notModified, headers: headers)
            }
            headers[.contentType] = "application/zip"
            headers[Self.contentDisposition] = "attachment; filename=\"setrag-gtfs.zip\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: feed.zip)))
        }
        router.get("/api/v1/gtfs-rt/vehicle-positions") { _, _ in
            try Self.protobuf(try await realtime.vehiclePositions(now: now()))
        }
        router.get("/api/v1/gtfs-rt/trip-updates") { _, _ in
            try Self.protobuf(try await realtime.tripUpdates(now: now()))
        }
        router.get("/api/v1/gtfs-rt/alerts") { _, _ in
            try Self.protobuf(try await realtime.alerts(now: now()))
        }
    }

    static func protobuf(_ message: TransitRealtime_FeedMessage) throws -> Response {
        let bytes: [UInt8] = try message.serializedBytes()
        return Response(status: .ok, headers: [.contentType: protobuf, .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A conditional GET that the client's copy answers: `If-None-Match` names the feed's ETag (or `*`), or, without
    /// it, `If-Modified-Since` is no earlier than the feed's Last-Modified (to the second). Unreadable dates are
    /// ignored, as RFC 9110 says.
    static func notModified(_ headers: HTTPFields, etag: String, lastModified: Date) -> Bool {
        let tags = headers[values: .ifNoneMatch]
        if !tags.isEmpty {
            let bare = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
            return tags.flatMap { $0.split(separator: ",") }.contains { tag in
                let tag = tag.trimmingCharacters(in: .whitespaces)
                return tag == "*" || tag == bare || tag == "W/" + bare
            }
        }
        guard let since = headers[.ifModifiedSince].flatMap(HTTPDate.parse) else { return false }
        return lastModified.timeIntervalSince1970.rounded(.down) <= since.timeIntervalSince1970
    }
}

/// HTTP dates (RFC 9110 IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
enum HTTPDate {
    static func formatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }

    static func format(_ date: Date) -> String {
        formatter().string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }
    static func parse(_ text: String) -> Date? { formatter().date(from: text.trimmingCharacters(in: .whitespaces)) }
}
