import Foundation
import GTFSRealtime
import Logging

/// The three GTFS Realtime feeds (protobuf, `transit_realtime.FeedMessage`, full datasets), built on each request
/// from the runs tracking follows and the trips inventory cancelled.
///
/// - vehicle positions: the latest fix of each active run (a fix in the last `tracking.active_minutes`), its trip
///   (`trip_id` the train number, `start_date` the service day), the train number as the vehicle, the stop it is at
///   or heading for.
/// - trip updates: for each active run with progress, its expected (or seen) arrival and departure at each stop
///   still ahead, with `stop_sequence` and `stop_id` as the static feed has them and the delay against it; and each
///   trip cancelled in the coming three days as a CANCELED trip.
/// - alerts: one per cancelled trip of the coming three days, about that trip (NO_SERVICE), in French and English.
///
/// A run whose train number is not a timetable train's (an extra train) is ADDED, with times and no delays.
struct GTFSRealtimeFeeds: Sendable {
    let store: any TrackingStore
    let progress: RunProgressTracker
    let schedule: GTFSScheduleSource
    let cancellations: CancelledTripsSource
    let activeWindow: TimeInterval
    let logger: Logger

    func vehiclePositions(now: Date) async throws -> TransitRealtime_FeedMessage {
        let static_ = try? await schedule.schedule(now: now)
        var entities: [TransitRealtime_FeedEntity] = []
        for train in try await store.trains(since: now.addingTimeInterval(-activeWindow)) {
            let progress = try await progress.progress(tripID: train.run.tripID)
            entities.append(RealtimeFeed.vehicle(run: train.run, position: train.position, progress: progress,
                                                 now: now, schedule: static_))
        }
        return RealtimeFeed.message(entities, now: now)
    }

    func tripUpdates(now: Date) async throws -> TransitRealtime_FeedMessage {
        let static_ = try? await schedule.schedule(now: now)
        var cancelled: [InventoryTrip] = []
        do {
            cancelled = try await cancellations.cancelled(now: now)
        } catch {
            // The runs' updates stand on their own; the cancellations come back with inventory.
            logger.warning("cancelled trips not read for GTFS-RT", metadata: ["error": "\(error)"])
        }
        let cancelledIDs = Set(cancelled.map(\.id))
        var entities: [TransitRealtime_FeedEntity] = []
        for train in try await store.trains(since: now.addingTimeInterval(-activeWindow))
        where !cancelledIDs.contains(train.run.tripID) {
            guard let progress = try await progress.progress(tripID: train.run.tripID),
                  let entity = RealtimeFeed.tripUpdate(run: train.run, progress: progress, now: now,
                                                       schedule: static_) else { continue }
            entities.append(entity)
        }
        entities += cancelled.map { RealtimeFeed.cancelledTrip($0, schedule: static_) }
        return RealtimeFeed.message(entities, now: now)
    }

    func alerts(now: Date) async throws -> TransitRealtime_FeedMessage {
        let cancelled = try await cancellations.cancelled(now: now)
        let static_ = try? await schedule.schedule(now: now)
        return RealtimeFeed.message(cancelled.map { RealtimeFeed.alert($0, schedule: static_) }, now: now)
    }
}

/// The trips inventory cancelled that run in the coming `horizon` (at most three days: what
/// `GET /internal/trips` gives at once), read again after `refresh`.
actor CancelledTripsSource {
    static let cancelled = "cancelled"
    let inventory: any InventoryLink
    let horizon: TimeInterval
    let refresh: TimeInterval
    var cached: (at: Date, trips: [InventoryTrip])?

    init(inventory: any InventoryLink, horizon: TimeInterval = 3 * 86_400, refresh: TimeInterval = 30) {
        self.inventory = inventory
        self.horizon = min(horizon, 3 * 86_400)
        self.refresh = refresh
    }

    func cancelled(now: Date) async throws -> [InventoryTrip] {
        if let cached, now >= cached.at, now.timeIntervalSince(cached.at) < refresh { return cached.trips }
        let trips = try await inventory.trips(from: now, to: now.addingTimeInterval(horizon))
            .filter { $0.status == Self.cancelled }
            .sorted { ($0.stops.first?.departure ?? "", $0.id) < ($1.stops.first?.departure ?? "", $1.id) }
        cached = (now, trips)
        return trips
    }
}

/// GTFS-RT messages from tracking's records: plain functions of their inputs.
enum RealtimeFeed {
    static func message(_ entities: [TransitRealtime_FeedEntity], now: Date) -> TransitRealtime_FeedMessage {
        TransitRealtime_FeedMessage.with {
            $0.header.gtfsRealtimeVersion = "2.0"
            $0.header.incrementality = .fullDataset
            $0.header.timestamp = seconds(now)
            $0.entity = entities
        }
    }

    static func seconds(_ date: Date) -> UInt64 { UInt64(max(0, date.timeIntervalSince1970.rounded(.down))) }

    /// A run of a static trip: its train number and service day (`YYYYMMDD`); ADDED when the timetable has no such
    /// train. Without the static feed (inventory unreadable) a run is taken as scheduled.
    static func trip(trainNumber: Int, serviceDate: String, service: String, schedule: GTFSSchedule?)
        -> TransitRealtime_TripDescriptor
    {
        TransitRealtime_TripDescriptor.with {
            $0.tripID = String(trainNumber)
            if let day = GTFSDay(iso: serviceDate) { $0.startDate = day.description }
            $0.routeID = service
            if let schedule {
                if let trip = schedule.trips[trainNumber] {
                    $0.scheduleRelationship = .scheduled
                    $0.routeID = trip.routeID
                    $0.directionID = trip.directionID
                } else {
                    $0.scheduleRelationship = .added
                }
            } else {
                $0.scheduleRelationship = .scheduled
            }
        }
    }

    static func trip(_ run: RunRecord, schedule: GTFSSchedule?) -> TransitRealtime_TripDescriptor {
        trip(trainNumber: run.trainNumber, serviceDate: run.serviceDate, service: run.service, schedule: schedule)
    }

    static func vehicleDescriptor(_ run: RunRecord) -> TransitRealtime_VehicleDescriptor {
        TransitRealtime_VehicleDescriptor.with {
            $0.id = String(run.trainNumber)
            $0.label = String(run.trainNumber)
        }
    }

    static func vehicle(run: RunRecord, position: StoredPosition, progress: RunProgress?, now: Date,
                        schedule: GTFSSchedule?) -> TransitRealtime_FeedEntity {
        TransitRealtime_FeedEntity.with { entity in
            entity.id = "vehicle-\(run.tripID)"
            entity.vehicle = TransitRealtime_VehiclePosition.with {
                $0.trip = trip(run, schedule: schedule)
                $0.vehicle = vehicleDescriptor(run)
                $0.position = TransitRealtime_Position.with {
                    $0.latitude = Float(position.fix.lat)
                    $0.longitude = Float(position.fix.lon)
                    if let heading = position.fix.heading { $0.bearing = Float(heading) }
                    if let speed = position.fix.speedKmh { $0.speed = Float(speed / 3.6) }
                }
                $0.timestamp = seconds(position.fix.ts)
                if let progress, let current = currentStop(progress, now: now) {
                    $0.currentStopSequence = UInt32(progress.stops[current.index].seq)
                    $0.stopID = progress.stops[current.index].station
                    $0.currentStatus = current.status
                }
            }
        }
    }

    /// The stop the train is at (at a station, at its origin before leaving, at its destination once there) or
    /// heading for.
    static func currentStop(_ progress: RunProgress, now: Date)
        -> (index: Int, status: TransitRealtime_VehiclePosition.VehicleStopStatus)?
    {
        guard !progress.stops.isEmpty else { return nil }
        if let at = progress.at { return (at, .stoppedAt) }
        if progress.arrivedAtDestination { return (progress.stops.count - 1, .stoppedAt) }
        if progress.lastDeparted == -1 { return (0, .stoppedAt) }
        guard let next = progress.estimate(now: now).next else { return nil }
        return (next, .inTransitTo)
    }

    /// The run's times at each stop from the one it is at or heading for to its destination (only the destination
    /// once it has arrived): seen times where they happened (uncertainty 0), expected ones ahead. Each stop has both
    /// an arrival and a departure, as the static feed does (the origin's arrival is its departure, the
    /// destination's departure its arrival). Nil when the run has no stops.
    static func tripUpdate(run: RunRecord, progress: RunProgress, now: Date, schedule: GTFSSchedule?)
        -> TransitRealtime_FeedEntity?
    {
        let count = progress.stops.count
        guard count >= 2 else { return nil }
        let estimate = progress.estimate(now: now)
        let descriptor = trip(run, schedule: schedule)
        let withDelays = descriptor.scheduleRelationship == .scheduled
        var updates: [TransitRealtime_TripUpdate.StopTimeUpdate] = []
        for index in (estimate.next ?? count - 1)..<count {
            let stop = progress.stops[index], passage = progress.passages[index]
            let arrival = estimate.eta[index] ?? passage.arrival ?? estimate.etd[index] ?? passage.departure
            let departure = estimate.etd[index] ?? passage.departure ?? (index == count - 1 ? arrival : nil)
            let seenArrival = estimate.eta[index] == nil && passage.arrival != nil
            let seenDeparture = estimate.etd[index] == nil && passage.departure != nil
            func event(_ time: Date, scheduled: Date?, seen: Bool) -> TransitRealtime_TripUpdate.StopTimeEvent {
                TransitRealtime_TripUpdate.StopTimeEvent.with {
                    $0.time = Int64(seconds(time))
                    if withDelays, let scheduled { $0.delay = Int32(clamping: Int(time.timeIntervalSince(scheduled))) }
                    if seen { $0.uncertainty = 0 }
                }
            }
            guard let arrival, let departure else { continue }
            updates.append(TransitRealtime_TripUpdate.StopTimeUpdate.with {
                $0.stopSequence = UInt32(stop.seq)
                $0.stopID = stop.station
                $0.arrival = event(arrival, scheduled: stop.arrival ?? stop.departure, seen: seenArrival)
                $0.departure = event(departure, scheduled: stop.departure ?? stop.arrival,
                                     seen: seenDeparture || (seenArrival && index == count - 1))
                $0.scheduleRelationship = .scheduled
            })
        }
        return TransitRealtime_FeedEntity.with { entity in
            entity.id = "trip-\(run.tripID)"
            entity.tripUpdate = TransitRealtime_TripUpdate.with {
                $0.trip = descriptor
                $0.vehicle = vehicleDescriptor(run)
                $0.stopTimeUpdate = updates
                if let at = progress.lastFixAt { $0.timestamp = seconds(at) }
                if withDelays, let delay = estimate.delaySeconds { $0.delay = Int32(clamping: delay) }
            }
        }
    }

    static func trip(_ cancelled: InventoryTrip, schedule: GTFSSchedule?) -> TransitRealtime_TripDescriptor {
        trip(trainNumber: cancelled.trainNumber, serviceDate: cancelled.serviceDate, service: cancelled.service,
             schedule: schedule)
    }

    static func cancelledTrip(_ cancelled: InventoryTrip, schedule: GTFSSchedule?) -> TransitRealtime_FeedEntity {
        TransitRealtime_FeedEntity.with { entity in
            entity.id = "cancelled-\(cancelled.id)"
            entity.tripUpdate = TransitRealtime_TripUpdate.with {
                $0.trip = trip(cancelled, schedule: schedule)
                $0.trip.scheduleRelationship = .canceled
            }
        }
    }

    /// The trip does not run: shown until its scheduled arrival, in French (first) and English.
    static func alert(_ cancelled: InventoryTrip, schedule: GTFSSchedule?) -> TransitRealtime_FeedEntity {
        let stops = cancelled.stops.sorted { $0.seq < $1.seq }
        func name(_ code: String?) -> String { code.map { schedule?.stationNames[$0] ?? $0 } ?? "?" }
        let from = name(stops.first?.station), to = name(stops.last?.station)
        let departure = stops.first?.departure.flatMap(FixTime.iso)
        let day = GTFSDay(iso: cancelled.serviceDate)
        let dayFR = day.map { String(format: "%02d/%02d/%04d", $0.day, $0.month, $0.year) } ?? cancelled.serviceDate
        let dayEN = String(cancelled.serviceDate.prefix(10))
        let clock = departure.map(localClock) ?? "?"
        func text(_ fr: String, _ en: String) -> TransitRealtime_TranslatedString {
            TransitRealtime_TranslatedString.with {
                $0.translation = [
                    .with { $0.text = fr; $0.language = "fr" },
                    .with { $0.text = en; $0.language = "en" },
                ]
            }
        }
        return TransitRealtime_FeedEntity.with { entity in
            entity.id = "cancelled-\(cancelled.id)"
            entity.alert = TransitRealtime_Alert.with {
                if let end = stops.last?.arrival.flatMap(FixTime.iso) {
                    $0.activePeriod = [.with { $0.end = seconds(end) }]
                }
                $0.informedEntity = [.with { $0.trip = trip(cancelled, schedule: schedule) }]
                $0.cause = .unknownCause
                $0.effect = .noService
                $0.headerText = text("Train \(cancelled.trainNumber) du \(dayFR) supprimé",
                                     "Train \(cancelled.trainNumber) on \(dayEN) cancelled")
                $0.descriptionText = text(
                    "Le train \(cancelled.trainNumber) \(from) – \(to) du \(dayFR) (départ \(clock)) ne circule pas. "
                        + "Échange sans frais ou remboursement intégral.",
                    "Train \(cancelled.trainNumber) \(from) – \(to) on \(dayEN) (leaving at \(clock)) does not run. "
                        + "Free exchange or full refund.")
            }
        }
    }

    /// `HH:MM`, railway time.
    static func localClock(_ date: Date) -> String {
        let parts = GTFSDay.calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }
}
