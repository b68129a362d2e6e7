import Foundation
import Logging
import ServiceLifecycle

/// Which day partitions of `positions` to add and which to drop, from those there are.
///
/// Partition `pYYYYMMDD` holds the days below its bound (`VALUES LESS THAN (day + 1)`): that day, and for the
/// lowest partition every earlier one. `p_future` (MAXVALUE) catches the days no partition has yet. Every day from
/// the last one with a partition (at most `retentionDays` back) to `daysAhead` days from today gets its own; the
/// partitions whose day is older than `retentionDays` are dropped (fixes that old are refused as too old).
public struct PartitionPlan: Sendable, Equatable {
    public var add: [Int]
    public var drop: [String]

    public static func make(existing: [PositionPartition], today: Int, daysAhead: Int, retentionDays: Int)
        -> PartitionPlan
    {
        let bounds = existing.compactMap(\.lessThan)
        let oldest = today - retentionDays
        let first = max(bounds.max() ?? (today - 1), oldest)
        let add = first <= today + daysAhead ? Array(first...(today + daysAhead)) : []
        let drop = existing.filter { partition in
            guard let bound = partition.lessThan else { return false }
            return bound <= oldest
        }.map(\.name)
        return PartitionPlan(add: add, drop: drop)
    }
}

/// Keeps the positions table's partitions: days ahead created, days past retention dropped. Runs at start, then
/// every `interval`. Two tracking processes may both try: the loser's attempt fails (the partitions exist) and
/// is only logged; the next round finds nothing to do.
public struct PartitionMaintainer: Service {
    let store: any TrackingStore
    let daysAhead: Int
    let retentionDays: Int
    /// Days the runs' downsampled history is kept.
    let historyDays: Int
    let interval: Duration
    let logger: Logger

    public init(store: any TrackingStore, daysAhead: Int, retentionDays: Int, historyDays: Int = 730,
                interval: Duration, logger: Logger) {
        self.store = store
        self.daysAhead = daysAhead
        self.retentionDays = retentionDays
        self.historyDays = historyDays
        self.interval = interval
        self.logger = logger
    }

    /// One round: what was added and dropped.
    @discardableResult
    public func maintain(now: Date) async throws -> PartitionPlan {
        let plan = PartitionPlan.make(existing: try await store.partitions(), today: PositionDay.of(now),
                                      daysAhead: daysAhead, retentionDays: retentionDays)
        try await store.addPartitions(days: plan.add)
        try await store.dropPartitions(plan.drop)
        let forgotten = try await store.dropHistory(before: now.addingTimeInterval(-Double(historyDays) * 86_400))
        if forgotten > 0 { logger.info("run history forgotten", metadata: ["points": "\(forgotten)"]) }
        if !plan.add.isEmpty || !plan.drop.isEmpty {
            logger.info("position partitions changed", metadata: [
                "added": "\(plan.add.map(PositionDay.partitionName).joined(separator: ","))",
                "dropped": "\(plan.drop.joined(separator: ","))",
            ])
        }
        return plan
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await maintain(now: Date())
                } catch {
                    logger.warning("position partitions not maintained", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
