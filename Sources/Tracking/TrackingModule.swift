import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Metrics
import ServiceLifecycle
import SetragEvents
import SetragKernel
import SetragMQTT
import SetragMySQL

/// The tracking service: GPS devices, their fixes (HTTP batches and the OsmAnd protocol), each fix's place on the
/// line (PK), and the latest position of every train run.
///
/// Settings (read by `serve`): `tracking.retention_days` (days of positions kept; older day partitions are
/// dropped and older fixes refused, default 90), `tracking.partition_days_ahead` (day partitions made ahead,
/// default 7), `tracking.partition_check_minutes` (how often partitions are checked, default 60),
/// `tracking.active_minutes` (a run is live while its latest fix is at most this old, default 30),
/// `tracking.mqtt_flush_ms` (how long fixes received over MQTT wait to be stored together, default 500),
/// `tracking.history_days` (days each run's track, downsampled to a point a minute, is kept; default 730),
/// `tracking.locomotive_plan_seconds` (how long the trips planned with locomotives, read from inventory for automatic
/// assignment, are kept before they are read again, default 60), `inventory.url` (where the line, stations and trips
/// are read).
///
/// Broker logins (`BrokerAuthWriter`), off unless `tracking.broker_auth_dir` is set: the directory where tracking
/// writes Mosquitto's `mosquitto.passwd` (each device with a broker login: user name its id, password its key; and
/// the platform's own user, `mqtt.username` with `mqtt.password`, both then required) and `mosquitto.acl` (a device
/// may only publish on `setrag/telemetry/<its id>`), at start-up, after each device registered or given a new key,
/// and every `tracking.broker_auth_refresh_seconds` (default 60; devices registered by another process);
/// `tracking.broker_pid_file`: the broker's pid file, signalled (SIGHUP) to reload them. The broker must be set up
/// with `allow_anonymous false`, `password_file` and `acl_file` naming these files; messages without a key are then
/// taken as the device's whose topic they are on.
///
/// Devices send fixes over HTTP (`POST /api/v1/positions`, `/osmand`) or MQTT (`setrag/telemetry/<deviceId>`,
/// read through the shared subscription `$share/tracking/setrag/telemetry/+`).
///
/// Reads from inventory over HTTP only: `GET /api/v1/stations` (stations and polyline, kept an hour),
/// `GET /internal/trips/{id}` (a trip, when a device is assigned to it), `GET /internal/trips?from=&to=` (the trips
/// planned with locomotives, for devices mounted on one: `LocomotivePlan`), and for the open data feeds (`GTFSRoutes`)
/// `GET /internal/timetable` (the static GTFS feed, rebuilt every 10 minutes) and `GET /internal/trips?from=&to=`
/// (the cancelled trips of the coming three days, read again every 30 seconds).
public enum TrackingModule {
    public static let definition = ModuleDefinition(
        name: "tracking", needs: [.database, .broker], migrations: TrackingMigrations.all
    ) { settings in
        let options = Options(settings)
        return { context in try await start(context, options: options) }
    }

    public struct Options: Sendable {
        public var retentionDays: Int
        public var partitionDaysAhead: Int
        public var partitionCheckMinutes: Int
        public var activeMinutes: Int
        public var mqttFlushMilliseconds: Int
        public var historyDays: Int
        /// How long the trips planned with locomotives are kept (automatic assignment).
        public var locomotivePlanSeconds: Int
        /// Where the broker's login files are written, and how; nil: not written (the broker takes anyone).
        public var brokerAuth: BrokerAuthWriter.Options?

        public init(_ settings: Settings) {
            retentionDays = settings.int("tracking.retention_days", default: 90, range: 1...3650)
            partitionDaysAhead = settings.int("tracking.partition_days_ahead", default: 7, range: 1...60)
            partitionCheckMinutes = settings.int("tracking.partition_check_minutes", default: 60, range: 1...1440)
            activeMinutes = settings.int("tracking.active_minutes", default: 30, range: 1...1440)
            mqttFlushMilliseconds = settings.int("tracking.mqtt_flush_ms", default: 500, range: 10...60_000)
            historyDays = settings.int("tracking.history_days", default: 730, range: 1...3650)
            locomotivePlanSeconds = settings.int("tracking.locomotive_plan_seconds", default: 60, range: 1...3600)
            brokerAuth = BrokerAuthWriter.Options(settings)
        }
    }

    /// Everything tracking is made of, assembled once; the same function the tests call.
    public struct Parts: Sendable {
        public let database: any MySQLDatabase
        public let store: any TrackingStore
        public let devices: DeviceDirectory
        public let inventory: any InventoryLink
        public let live: LiveState
        public let ingest: PositionIngest
        public let progress: RunProgressTracker
        public let hub: LiveHub
        public let updates: LiveUpdates
        let view: TrainsView
        /// Writes the broker's login files; nil when `tracking.broker_auth_dir` is not set.
        public let brokerAuth: BrokerAuthWriter?
        public let options: Options
    }

    public static func parts(database: any MySQLDatabase, inventory: any InventoryLink, options: Options,
                             metrics: any MetricsFactory = MetricsSystem.factory,
                             logger: Logger = Logger(label: "tracking"), broker: MQTTClient? = nil) -> Parts {
        let store = MySQLTrackingStore(database: database)
        let live = LiveState()
        let geometry = LineGeometrySource(link: inventory)
        let progress = RunProgressTracker(store: store, inventory: inventory, geometry: geometry, logger: logger)
        let hub = LiveHub()
        let updates = LiveUpdates(broker: broker, hub: hub, logger: logger)
        let view = TrainsView(store: store, progress: progress, activeWindow: Double(options.activeMinutes) * 60)
        let devices = DeviceDirectory(store: store)
        let assigner = LocomotiveAssigner(
            plan: LocomotivePlan(link: inventory, ttl: TimeInterval(options.locomotivePlanSeconds), logger: logger),
            store: store, devices: devices, logger: logger)
        let ingest = PositionIngest(store: store, geometry: geometry,
                                    rules: FixRules(retentionDays: options.retentionDays), live: live,
                                    counters: IngestCounters(factory: metrics), progress: progress,
                                    announcer: LiveAnnouncer(updates: updates, view: view, live: live, logger: logger),
                                    assigner: assigner)
        let brokerAuth = options.brokerAuth.map { BrokerAuthWriter(store: store, options: $0, logger: logger) }
        return Parts(database: database, store: store, devices: devices, inventory: inventory,
                     live: live, ingest: ingest, progress: progress, hub: hub, updates: updates, view: view,
                     brokerAuth: brokerAuth, options: options)
    }

    /// The live channel (`/api/v1/live`), for the tracking server's WebSocket upgrades.
    static func liveChannel(parts: Parts, context: ModuleContext,
                                   now: @escaping @Sendable () -> Date = { Date() }) -> LiveChannel {
        LiveChannel(hub: parts.hub, view: parts.view,
                    bookings: HTTPBookingLink(baseURL: context.endpoints.url("booking"), http: context.httpClient),
                    verifier: context.verifier, now: now)
    }

    /// Tracking's server: its routes, and the WebSocket of `/api/v1/live`.
    public static func application(parts: Parts, context: ModuleContext) -> some Service {
        let live = liveChannel(parts: parts, context: context)
        let address = context.endpoints.listen["tracking"]!
        var logger = context.logger
        logger[metadataKey: "service"] = "tracking"
        return Application(
            router: buildRouter(parts: parts, context: context),
            server: .http1WebSocketUpgrade(
                configuration: .init(http1: .init(idleTimeout: .init(context.kernel.idleTimeout)),
                                     ws: .init(maxFrameSize: 1 << 16, autoPing: .enabled(timePeriod: .seconds(30)))),
                shouldUpgrade: { head, _, logger in await live.shouldUpgrade(head, logger: logger) }),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "setrag-tracking"),
            logger: logger)
    }

    public static func buildRouter(parts: Parts, context: ModuleContext,
                                   now: @escaping @Sendable () -> Date = { Date() }) -> Router<AppContext> {
        let router = ServiceHTTP.router(context)
        TrackingRoutes(store: parts.store, devices: parts.devices, ingest: parts.ingest, inventory: parts.inventory,
                       view: parts.view, brokerAuth: parts.brokerAuth, now: now)
            .register(on: router)
        EventFeedRoute.register(on: router, service: "tracking", database: parts.database)
        GTFSRoutes(parts: parts, logger: context.logger, now: now).register(on: router)
        return router
    }

    public static func maintainer(parts: Parts, logger: Logger) -> PartitionMaintainer {
        PartitionMaintainer(store: parts.store, daysAhead: parts.options.partitionDaysAhead,
                            retentionDays: parts.options.retentionDays, historyDays: parts.options.historyDays,
                            interval: .seconds(parts.options.partitionCheckMinutes * 60), logger: logger)
    }

    public static func telemetryConsumer(parts: Parts, broker: MQTTClient, logger: Logger,
                                         now: @escaping @Sendable () -> Date = { Date() }) -> TelemetryConsumer {
        TelemetryConsumer(broker: broker, devices: parts.devices, ingest: parts.ingest,
                          flushInterval: .milliseconds(parts.options.mqttFlushMilliseconds),
                          brokerChecksDevices: parts.brokerAuth != nil, logger: logger, now: now)
    }

    static func start(_ context: ModuleContext, options: Options) async throws -> [any Service] {
        guard let broker = context.broker else { throw TrackingStartError.noBroker }
        let inventory = HTTPInventoryLink(baseURL: context.endpoints.url("inventory"), http: context.httpClient,
                                          logger: context.logger)
        let parts = parts(database: context.requireDatabase(), inventory: inventory, options: options,
                          logger: context.logger, broker: broker)
        // Day partitions exist before the first fix is stored; the latest positions are in memory before serving.
        let maintainer = maintainer(parts: parts, logger: context.logger)
        try await maintainer.maintain(now: Date())
        parts.live.load(try await parts.store.latestPositions())
        var services: [any Service] = [
            maintainer,
            telemetryConsumer(parts: parts, broker: broker, logger: context.logger),
            OutboxRelay(service: "tracking", database: parts.database, broker: broker, logger: context.logger),
            parts.updates,
            application(parts: parts, context: context),
        ]
        // The broker knows every device's login before tracking serves.
        if let brokerAuth = parts.brokerAuth {
            try await brokerAuth.write()
            services.append(BrokerAuthRefresher(writer: brokerAuth))
        }
        return services
    }
}

enum TrackingStartError: Error { case noBroker }
