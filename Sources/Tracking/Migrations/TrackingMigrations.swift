import SetragEvents
import SetragKernel

/// The tracking database's schema, in order. Names are stable: never rename or edit one that has shipped.
/// SQL that MySQL 8.4 and MariaDB 10.11 both accept; instants are UTC `DATETIME`s.
enum TrackingMigrations {
    static let table = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

    static let all: [Migration] = [
        Migration("tracking_0001_devices_runs", [
            // key_hash: SHA-256 of the device key (the key is shown once). trip_id: the run it travels with now.
            """
            CREATE TABLE devices (
                id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                name VARCHAR(80) NOT NULL,
                kind VARCHAR(16) NOT NULL,
                key_hash BINARY(32) NOT NULL,
                trip_id INT UNSIGNED NULL,
                assigned_at DATETIME(3) NULL,
                created_at DATETIME(3) NOT NULL,
                created_by VARCHAR(64) NOT NULL,
                KEY devices_trip (trip_id)
            ) \(table)
            """,
            // A run is one of inventory's dated trips (same id), as inventory described it at the last assignment.
            """
            CREATE TABLE runs (
                trip_id INT UNSIGNED NOT NULL PRIMARY KEY,
                train_number SMALLINT UNSIGNED NOT NULL,
                service_date DATE NOT NULL,
                service VARCHAR(16) NOT NULL,
                origin CHAR(3) NOT NULL,
                destination CHAR(3) NOT NULL,
                departure_at DATETIME NULL,
                arrival_at DATETIME NULL,
                status VARCHAR(16) NOT NULL,
                updated_at DATETIME(3) NOT NULL
            ) \(table)
            """,
        ]),
        Migration("tracking_0002_positions", [
            // Partitioned by UTC day (days since 1970-01-01): a background job adds a partition per day ahead
            // (splitting p_future, the catch-all) and drops those past tracking.retention_days. Every unique key
            // holds the partitioning column, as MySQL requires: a fix sent again (same device and time, or same
            // device and seq within its day) is skipped by INSERT IGNORE. trip_id 0: no run assigned.
            """
            CREATE TABLE positions (
                device_id INT UNSIGNED NOT NULL,
                day SMALLINT UNSIGNED NOT NULL,
                ts DATETIME(3) NOT NULL,
                seq BIGINT UNSIGNED NULL,
                trip_id INT UNSIGNED NOT NULL,
                lat DECIMAL(9,6) NOT NULL,
                lon DECIMAL(9,6) NOT NULL,
                speed_kmh DECIMAL(6,1) NULL,
                heading DECIMAL(4,1) NULL,
                accuracy_m DECIMAL(8,1) NULL,
                altitude_m DECIMAL(6,1) NULL,
                pk_km DECIMAL(7,3) NULL,
                off_line_m INT UNSIGNED NULL,
                received_at DATETIME(3) NOT NULL,
                PRIMARY KEY (device_id, ts, day),
                UNIQUE KEY positions_seq (device_id, seq, day),
                KEY positions_trip (trip_id, ts)
            ) \(table)
            PARTITION BY RANGE (day) (PARTITION p_future VALUES LESS THAN MAXVALUE)
            """,
            // The newest fix of each device and run (only ever replaced by a newer one).
            """
            CREATE TABLE latest_positions (
                device_id INT UNSIGNED NOT NULL,
                trip_id INT UNSIGNED NOT NULL,
                ts DATETIME(3) NOT NULL,
                lat DECIMAL(9,6) NOT NULL,
                lon DECIMAL(9,6) NOT NULL,
                speed_kmh DECIMAL(6,1) NULL,
                heading DECIMAL(4,1) NULL,
                accuracy_m DECIMAL(8,1) NULL,
                pk_km DECIMAL(7,3) NULL,
                off_line_m INT UNSIGNED NULL,
                leg_from CHAR(3) NULL,
                leg_to CHAR(3) NULL,
                station CHAR(3) NULL,
                motion VARCHAR(8) NOT NULL,
                received_at DATETIME(3) NOT NULL,
                PRIMARY KEY (device_id, trip_id),
                KEY latest_positions_trip (trip_id, ts)
            ) \(table)
            """,
        ]),
        EventsMigrations.outbox(service: "tracking"),
        Migration("tracking_0003_run_progress", [
            // Each run's progress along its stops (JSON of `RunProgress`: the timetable it runs to, when it arrived
            // at and left each stop, the delay thresholds announced), changed under a row lock in the same
            // transaction that writes its events to the outbox.
            """
            CREATE TABLE run_progress (
                trip_id INT UNSIGNED NOT NULL PRIMARY KEY,
                state MEDIUMTEXT NOT NULL,
                delay_seconds INT NULL,
                updated_at DATETIME(3) NOT NULL
            ) \(table)
            """,
        ]),
        Migration("tracking_0004_device_broker_hash", [
            // The broker login of a device (user name: its id, password: its key) as Mosquitto's password file holds
            // it: `$7$101$<salt>$<hash>` (PBKDF2-HMAC-SHA512), made when the key is issued, the only time it is known.
            // NULL for devices registered before: they get a broker login with their next key.
            """
            ALTER TABLE devices
                ADD COLUMN broker_hash VARCHAR(160) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER key_hash
            """,
        ]),
        Migration("tracking_0005_device_locomotive", [
            // locomotive: the engine the device is mounted on (`CC 2201`, as `LocomotiveNumber` keeps it); it is then
            // assigned automatically to the trip inventory plans with that locomotive while the trip runs.
            // assignment_source: who made the current assignment, 'operator' or 'locomotive' (automatic);
            // assigned_by: the operator's subject, or the locomotive of an automatic assignment.
            """
            ALTER TABLE devices
                ADD COLUMN locomotive VARCHAR(16) NULL AFTER kind,
                ADD COLUMN assignment_source VARCHAR(16) NULL AFTER assigned_at,
                ADD COLUMN assigned_by VARCHAR(64) NULL AFTER assignment_source
            """,
            // Assignments made before were operators'.
            "UPDATE devices SET assignment_source = 'operator' WHERE trip_id IS NOT NULL",
        ]),
        Migration("tracking_0006_run_history", [
            // Each train run's track downsampled to one point a minute (the first fix stored in it), written with the
            // positions and kept `tracking.history_days` (default 730) after the positions' own retention.
            // minute: minutes since 1970-01-01 UTC.
            """
            CREATE TABLE run_history (
                trip_id INT UNSIGNED NOT NULL,
                minute INT UNSIGNED NOT NULL,
                lat DECIMAL(9,6) NOT NULL,
                lon DECIMAL(9,6) NOT NULL,
                speed_kmh DECIMAL(6,1) NULL,
                pk_km DECIMAL(7,3) NULL,
                PRIMARY KEY (trip_id, minute),
                KEY run_history_minute (minute)
            ) \(table)
            """,
        ]),
    ]
}
