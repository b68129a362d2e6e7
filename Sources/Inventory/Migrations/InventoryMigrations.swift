import SetragEvents
import SetragKernel

/// The inventory database's schema, in order. Names are stable: never rename or edit one that has shipped.
/// SQL that MySQL 8.4 and MariaDB 10.11 both accept; instants are UTC `DATETIME`s.
enum InventoryMigrations {
    static let table = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

    static let all: [Migration] = [
        Migration("inventory_0001_network", [
            // seq: place along the line (1 = Owendo). km: the kilometre point (PK).
            """
            CREATE TABLE stations (
                id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                code CHAR(3) NOT NULL,
                name VARCHAR(80) NOT NULL,
                seq SMALLINT UNSIGNED NOT NULL,
                km DECIMAL(7,3) NOT NULL,
                lat DECIMAL(9,6) NOT NULL,
                lon DECIMAL(9,6) NOT NULL,
                type VARCHAR(16) NOT NULL,
                coord_quality VARCHAR(16) NOT NULL,
                UNIQUE KEY stations_code (code),
                KEY stations_seq (seq)
            ) \(table)
            """,
            // Leg n joins the stations of seq n and n + 1; seat inventory is counted per leg.
            """
            CREATE TABLE legs (
                id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
                from_station_id SMALLINT UNSIGNED NOT NULL,
                to_station_id SMALLINT UNSIGNED NOT NULL,
                km DECIMAL(7,3) NOT NULL,
                CONSTRAINT legs_from FOREIGN KEY (from_station_id) REFERENCES stations (id),
                CONSTRAINT legs_to FOREIGN KEY (to_station_id) REFERENCES stations (id)
            ) \(table)
            """,
            """
            CREATE TABLE line_points (
                seq SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
                lat DECIMAL(9,6) NOT NULL,
                lon DECIMAL(9,6) NOT NULL,
                note VARCHAR(80) NOT NULL DEFAULT ''
            ) \(table)
            """,
        ]),
        Migration("inventory_0002_rolling_stock", [
            """
            CREATE TABLE travel_classes (
                code VARCHAR(8) NOT NULL PRIMARY KEY,
                name VARCHAR(40) NOT NULL,
                sort_order TINYINT UNSIGNED NOT NULL
            ) \(table)
            """,
            // kind: seats, baggage (the baggage van) or bar; only seats coaches have a class and a seat map.
            """
            CREATE TABLE coach_types (
                code VARCHAR(12) NOT NULL PRIMARY KEY,
                name VARCHAR(80) NOT NULL,
                kind VARCHAR(12) NOT NULL,
                class_code VARCHAR(8) NULL,
                air_conditioned BOOLEAN NOT NULL,
                layout VARCHAR(16) NULL,
                seat_count TINYINT UNSIGNED NOT NULL,
                CONSTRAINT coach_types_class FOREIGN KEY (class_code) REFERENCES travel_classes (code)
            ) \(table)
            """,
            """
            CREATE TABLE coach_type_seats (
                coach_type VARCHAR(12) NOT NULL,
                seat_number TINYINT UNSIGNED NOT NULL,
                seat_row TINYINT UNSIGNED NOT NULL,
                seat_column TINYINT UNSIGNED NOT NULL,
                seat_position VARCHAR(6) NOT NULL,
                PRIMARY KEY (coach_type, seat_number),
                CONSTRAINT coach_type_seats_type FOREIGN KEY (coach_type) REFERENCES coach_types (code)
                    ON DELETE CASCADE
            ) \(table)
            """,
            """
            CREATE TABLE services (
                code VARCHAR(16) NOT NULL PRIMARY KEY,
                name VARCHAR(40) NOT NULL
            ) \(table)
            """,
            // The consist a service's trains get when they are generated (coach_position 1 = next to the locomotive).
            """
            CREATE TABLE consist_coaches (
                service VARCHAR(16) NOT NULL,
                coach_position TINYINT UNSIGNED NOT NULL,
                coach_type VARCHAR(12) NOT NULL,
                PRIMARY KEY (service, coach_position),
                CONSTRAINT consist_coaches_service FOREIGN KEY (service) REFERENCES services (code) ON DELETE CASCADE,
                CONSTRAINT consist_coaches_type FOREIGN KEY (coach_type) REFERENCES coach_types (code)
            ) \(table)
            """,
        ]),
        Migration("inventory_0003_timetable", [
            // weekday: ISO day the train leaves its first stop (1 = Monday).
            """
            CREATE TABLE timetable_trains (
                train_number SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
                service VARCHAR(16) NOT NULL,
                direction VARCHAR(16) NOT NULL,
                weekday TINYINT UNSIGNED NOT NULL,
                CONSTRAINT timetable_trains_service FOREIGN KEY (service) REFERENCES services (code)
            ) \(table)
            """,
            // Local times; *_day counts the days after the departure day (overnight trains).
            """
            CREATE TABLE timetable_stops (
                train_number SMALLINT UNSIGNED NOT NULL,
                seq TINYINT UNSIGNED NOT NULL,
                station_id SMALLINT UNSIGNED NOT NULL,
                arrival TIME NULL,
                arrival_day TINYINT UNSIGNED NULL,
                departure TIME NULL,
                departure_day TINYINT UNSIGNED NULL,
                PRIMARY KEY (train_number, seq),
                CONSTRAINT timetable_stops_train FOREIGN KEY (train_number) REFERENCES timetable_trains (train_number)
                    ON DELETE CASCADE,
                CONSTRAINT timetable_stops_station FOREIGN KEY (station_id) REFERENCES stations (id)
            ) \(table)
            """,
        ]),
        Migration("inventory_0004_trips", [
            // One row per train and local service date (the day it leaves its first stop). Instants in UTC.
            // first_leg..last_leg: the legs of the line the trip covers.
            """
            CREATE TABLE trips (
                id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                train_number SMALLINT UNSIGNED NOT NULL,
                service_date DATE NOT NULL,
                service VARCHAR(16) NOT NULL,
                direction VARCHAR(16) NOT NULL,
                status VARCHAR(12) NOT NULL DEFAULT 'scheduled',
                first_leg TINYINT UNSIGNED NOT NULL,
                last_leg TINYINT UNSIGNED NOT NULL,
                departs_at DATETIME NOT NULL,
                arrives_at DATETIME NOT NULL,
                created_at DATETIME(6) NOT NULL,
                UNIQUE KEY trips_train_date (train_number, service_date),
                KEY trips_date (service_date),
                CONSTRAINT trips_status CHECK (status IN ('scheduled', 'cancelled'))
            ) \(table)
            """,
            """
            CREATE TABLE trip_stops (
                trip_id INT UNSIGNED NOT NULL,
                seq TINYINT UNSIGNED NOT NULL,
                station_id SMALLINT UNSIGNED NOT NULL,
                arrival_at DATETIME NULL,
                departure_at DATETIME NULL,
                PRIMARY KEY (trip_id, seq),
                KEY trip_stops_departure (station_id, departure_at),
                CONSTRAINT trip_stops_trip FOREIGN KEY (trip_id) REFERENCES trips (id) ON DELETE CASCADE,
                CONSTRAINT trip_stops_station FOREIGN KEY (station_id) REFERENCES stations (id)
            ) \(table)
            """,
            // The trip's own copy of its consist, so that it can change without touching the service's.
            """
            CREATE TABLE trip_coaches (
                trip_id INT UNSIGNED NOT NULL,
                coach_position TINYINT UNSIGNED NOT NULL,
                coach_type VARCHAR(12) NOT NULL,
                PRIMARY KEY (trip_id, coach_position),
                CONSTRAINT trip_coaches_trip FOREIGN KEY (trip_id) REFERENCES trips (id) ON DELETE CASCADE,
                CONSTRAINT trip_coaches_type FOREIGN KEY (coach_type) REFERENCES coach_types (code)
            ) \(table)
            """,
            // The seat-leg inventory: one row per seat of the trip and leg it covers. A row is free when hold_id is
            // NULL or its hold has expired (hold_expires_at <= now); a hold with no expiry is a confirmed booking.
            // Taking seats is one conditional UPDATE over (trip, coach, seats, legs) whose affected-row count must
            // equal seats x legs, or the transaction is rolled back. The primary key keeps a seat's legs together.
            """
            CREATE TABLE seat_legs (
                trip_id INT UNSIGNED NOT NULL,
                coach_position TINYINT UNSIGNED NOT NULL,
                seat_number TINYINT UNSIGNED NOT NULL,
                leg_id TINYINT UNSIGNED NOT NULL,
                hold_id BIGINT UNSIGNED NULL,
                hold_expires_at DATETIME NULL,
                PRIMARY KEY (trip_id, coach_position, seat_number, leg_id),
                CONSTRAINT seat_legs_coach FOREIGN KEY (trip_id, coach_position)
                    REFERENCES trip_coaches (trip_id, coach_position) ON DELETE CASCADE
            ) \(table)
            """,
        ]),
        Migration("inventory_0005_holds", [
            // A hold takes seats of one trip over the legs of one journey (first_leg..last_leg) for a caller's
            // reference (a booking). status: held (until expires_at), confirmed (sold: no expiry), released,
            // expired. Its seat-legs carry its id in seat_legs.hold_id.
            """
            CREATE TABLE holds (
                id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                trip_id INT UNSIGNED NOT NULL,
                from_station CHAR(3) NOT NULL,
                to_station CHAR(3) NOT NULL,
                first_leg TINYINT UNSIGNED NOT NULL,
                last_leg TINYINT UNSIGNED NOT NULL,
                reference VARCHAR(64) NOT NULL,
                status VARCHAR(12) NOT NULL,
                expires_at DATETIME NOT NULL,
                created_at DATETIME(6) NOT NULL,
                updated_at DATETIME(6) NOT NULL,
                KEY holds_due (status, expires_at),
                KEY holds_trip (trip_id),
                CONSTRAINT holds_trip FOREIGN KEY (trip_id) REFERENCES trips (id),
                CONSTRAINT holds_status CHECK (status IN ('held', 'confirmed', 'released', 'expired'))
            ) \(table)
            """,
            """
            CREATE TABLE hold_seats (
                hold_id BIGINT UNSIGNED NOT NULL,
                coach_position TINYINT UNSIGNED NOT NULL,
                seat_number TINYINT UNSIGNED NOT NULL,
                PRIMARY KEY (hold_id, coach_position, seat_number),
                CONSTRAINT hold_seats_hold FOREIGN KEY (hold_id) REFERENCES holds (id) ON DELETE CASCADE
            ) \(table)
            """,
            // Releasing or expiring a hold finds its seat-legs by hold id.
            "CREATE INDEX seat_legs_hold ON seat_legs (hold_id)",
        ]),
        // Events inventory publishes (TripCancelled), written in the transaction of the change (SetragEvents).
        EventsMigrations.outbox(service: "inventory"),
        Migration("inventory_0006_trip_cancellation", [
            // Set when SETRAG cancels the trip (status 'cancelled'): when (UTC) and why, as operations wrote it.
            """
            ALTER TABLE trips ADD COLUMN cancelled_at DATETIME(6) NULL,
                ADD COLUMN cancel_reason VARCHAR(200) NULL
            """,
        ]),
        // Searches and seat maps count the seat-legs TAKEN on a journey (few on most trains) instead of grouping
        // every seat-leg of the trip: this index holds only what that needs, taken rows first.
        Migration("inventory_0007_seat_legs_taken", [
            "CREATE INDEX seat_legs_taken ON seat_legs (trip_id, hold_id, leg_id, hold_expires_at)",
        ]),
        // The locomotive operations plan for the trip (its running number, `CC 2201`, as `LocomotiveNumber` keeps
        // it); NULL: none planned. Tracking assigns the trackers mounted on it to the trip while it runs.
        Migration("inventory_0008_trip_locomotive", [
            "ALTER TABLE trips ADD COLUMN locomotive VARCHAR(16) NULL",
        ]),
    ]
}
