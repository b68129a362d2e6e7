import Foundation
import SetragEvents
import SetragKernel

/// `TripCancelled` v1, owned by inventory: SETRAG cancelled a dated trip. Published on
/// `setrag/events/inventory/TripCancelled` and in inventory's `/internal/events` feed.
///
/// `{"tripId": 42, "trainNumber": 211, "serviceDate": "2026-12-01", "reason": "…",
///   "cancelledAt": "2026-11-28T08:00:00Z"}` (serviceDate: the local date the train leaves its first station).
public struct TripCancelled: DomainEvent, Equatable {
    public static let name = "TripCancelled"
    public static let version = 1
    public var tripId: Int
    public var trainNumber: Int
    public var serviceDate: String
    public var reason: String
    public var cancelledAt: Date

    public init(tripId: Int, trainNumber: Int, serviceDate: String, reason: String, cancelledAt: Date) {
        self.tripId = tripId
        self.trainNumber = trainNumber
        self.serviceDate = serviceDate
        self.reason = reason
        self.cancelledAt = cancelledAt
    }
}

/// A trip's cancellation as stored; `changed` is false when the trip was cancelled already (nothing was written).
public struct TripCancellation: Sendable, Equatable {
    public var tripID: Int
    public var trainNumber: Int
    public var serviceDate: LocalDate
    public var reason: String
    public var cancelledAt: Date
    public var changed: Bool
}

/// The body of `POST /api/v1/trips/{tripId}/cancel`.
public struct TripCancelRequest: JSONRequestBody {
    public static let fields: Set<String> = ["reason"]
    public static let reasonLength = 1...200
    public var reason: String

    /// The reason, trimmed, or a 422.
    public func checkedReason() throws -> String {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Self.reasonLength.contains(reason.count) else {
            throw InventoryError.invalidQuery([.init(
                field: "reason", code: reason.isEmpty ? "required" : "too-long",
                message: "\(Self.reasonLength.lowerBound) to \(Self.reasonLength.upperBound) characters")])
        }
        guard !reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw InventoryError.invalidQuery([
                .init(field: "reason", code: "invalid", message: "no control characters"),
            ])
        }
        return reason
    }
}

struct TripCancellationJSON: Encodable, Sendable {
    let tripId: Int
    let trainNumber: Int
    let serviceDate: String
    let status: String
    let reason: String
    let cancelledAt: String

    init(_ cancellation: TripCancellation) {
        tripId = cancellation.tripID
        trainNumber = cancellation.trainNumber
        serviceDate = cancellation.serviceDate.description
        status = "cancelled"
        reason = cancellation.reason
        cancelledAt = RailwayTime.iso8601(cancellation.cancelledAt)
    }
}
