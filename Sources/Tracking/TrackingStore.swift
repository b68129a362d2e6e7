import Foundation
import SetragEvents

/// A GPS tracker known to tracking. Its key is never kept, only its hashes.
public struct DeviceRecord: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var kind: String
    public var keyHash: [UInt8]
    /// Its broker login's hash (Mosquitto's `$7$` format); nil for a device registered before broker logins, until
    /// it gets a new key.
    public var brokerHash: String?
    /// The dated trip (inventory's trip id, tracking's run id) the device travels with now.
    public var tripID: Int?
    public var assignedAt: Date?
    public var createdAt: Date
    public var createdBy: String
    /// The locomotive the device is mounted on: it follows the trips planned with it (`AutomaticAssignment`).
    public var locomotive: String? = nil
    /// Who made the current assignment; nil while there is none.
    public var assignmentSource: AssignmentSource? = nil
    /// The operator's subject, or the locomotive of an automatic assignment.
    public var assignedBy: String? = nil
    /// When the run it travels with leaves its origin and reaches its destination (as last recorded).
    public var runDepartureAt: Date? = nil
    public var runArrivalAt: Date? = nil
}

/// A train run: a dated trip of inventory's, as it was when a device was assigned to it.
public struct RunRecord: Sendable, Equatable {
    public var tripID: Int
    public var trainNumber: Int
    public var serviceDate: String
    public var service: String
    public var origin: String
    public var destination: String
    public var departureAt: Date?
    public var arrivalAt: Date?
    public var status: String
}

/// A fix as stored: the fix, its device, the run it was for, and its place on the line.
public struct StoredPosition: Sendable, Equatable {
    public var deviceID: Int
    /// 0 when the device was assigned to no run.
    public var tripID: Int
    public var fix: Fix
    public var line: LinePosition?
    public var motion: Motion
    public var receivedAt: Date
}

/// What storing a batch did: how many fixes were new, and the batch's fixes the table holds (new or stored before;
/// not those skipped because another fix had their seq).
public struct StoredBatch: Sendable, Equatable {
    public var inserted: Int
    public var stored: [StoredPosition]
}

/// The latest position of a run (its newest fix, from whichever of its devices), for `GET /api/v1/trains`.
public struct TrainPosition: Sendable, Equatable {
    public var run: RunRecord
    public var position: StoredPosition
}

/// A point of a run's recent track.
public struct TrackPoint: Sendable, Equatable {
    public var ts: Date
    public var lat: Double
    public var lon: Double
    public var speedKmh: Double?
    public var pk: Double?
}

/// A partition of the positions table: the days below `lessThan` (nil: MAXVALUE, the catch-all for days ahead).
public struct PositionPartition: Sendable, Equatable {
    public var name: String
    public var lessThan: Int?
}

/// Tracking's storage. The MySQL implementation is the one that runs; tests use it against the real server.
public protocol TrackingStore: Sendable {
    func createDevice(name: String, kind: String, locomotive: String?, credentials: DeviceCredentials,
                      createdBy: String, now: Date) async throws -> DeviceRecord
    func device(id: Int) async throws -> DeviceRecord?
    /// Gives the device a new key (its old one stops working); false: no such device.
    @discardableResult
    func rekey(device id: Int, credentials: DeviceCredentials) async throws -> Bool
    func devices() async throws -> [DeviceRecord]
    /// Records the run (as inventory described it now) and assigns the device to it on behalf of the operator `by`;
    /// nil `run` unassigns. Nil: no such device.
    func assign(device id: Int, to run: RunRecord?, by subject: String, now: Date) async throws -> DeviceRecord?
    /// The same for tracking's automatic assignment from the device's `locomotive`, made only while the device still
    /// has that locomotive and the assignment `expected` (the one the decision was made on; an operator's assignment
    /// made meanwhile wins). Returns the device as it is now; nil: no such device.
    func assignAutomatically(device id: Int, to run: RunRecord?, locomotive: String,
                             expected: (tripID: Int?, source: AssignmentSource?), now: Date) async throws
        -> DeviceRecord?
    /// Mounts the device on `locomotive` (nil: none). An automatic assignment made from another locomotive ends.
    /// Nil: no such device.
    func setLocomotive(device id: Int, to locomotive: String?) async throws -> DeviceRecord?

    /// Stores a batch in one transaction: one multi-row insert that skips fixes stored already (same device and
    /// time, or same device and `seq` that day), then each run's latest position when it is newer than the one
    /// kept (among the batch's fixes the table holds).
    func store(_ positions: [StoredPosition]) async throws -> StoredBatch
    /// Every latest position kept (per device and run).
    func latestPositions() async throws -> [StoredPosition]
    /// The newest position of each run with a fix at or after `since`, by trip id.
    func trains(since: Date) async throws -> [TrainPosition]
    func run(tripID: Int) async throws -> RunRecord?
    func latest(tripID: Int) async throws -> StoredPosition?
    /// The run's fixes at or after `since`, oldest first, at most `limit` (the newest ones).
    func track(tripID: Int, since: Date, limit: Int) async throws -> [TrackPoint]
    /// A run's downsampled history (one point a minute), oldest first, at most `limit` points.
    func history(tripID: Int, limit: Int) async throws -> [TrackPoint]
    /// Forgets history points older than `before`; how many went.
    func dropHistory(before: Date) async throws -> Int

    /// The run's progress, nil before its first fix.
    func progress(tripID: Int) async throws -> RunProgress?
    /// Changes a run's progress (`initial` when it has none) under its row's lock; the events `change` returns are
    /// written to the outbox in the same transaction. Returns the progress as saved.
    func updateProgress(tripID: Int, initial: RunProgress, now: Date,
                        _ change: @escaping @Sendable (inout RunProgress) -> [any DomainEvent]) async throws
        -> RunProgress

    /// The partitions of the positions table, in order.
    func partitions() async throws -> [PositionPartition]
    /// Splits the catch-all partition so that each of `days` gets its own.
    func addPartitions(days: [Int]) async throws
    func dropPartitions(_ names: [String]) async throws
}
