import Foundation
import SQLKit
import SetragMySQL
import Testing

@Suite("MySQL value encoding and decoding", .serialized)
struct MySQLTypeTests {
    struct Stop: Codable, Equatable, Sendable {
        var name: String
        var km: Double
        var tags: [String]
    }

    enum Status: String, Codable, Sendable {
        case free, booked
    }

    struct Everything: Codable, Equatable, Sendable {
        var id: Int
        var i8: Int8
        var u8: UInt8
        var i16: Int16
        var u16: UInt16
        var i32: Int32
        var u32: UInt32
        var i64: Int64
        var u64: UInt64
        var flag: Bool
        var ratio: Double
        var ratio32: Float
        var label: String
        var body: String
        var at: Date
        var stamp: Date
        var raw: Data
        var bytes: [UInt8]
        var ref: UUID
        var stop: Stop
        var status: Status
        var price: Decimal
    }

    static let createEverything: SQLQueryString = """
        CREATE TABLE everything (
            id INT PRIMARY KEY,
            i8 TINYINT NOT NULL, u8 TINYINT UNSIGNED NOT NULL,
            i16 SMALLINT NOT NULL, u16 SMALLINT UNSIGNED NOT NULL,
            i32 INT NOT NULL, u32 INT UNSIGNED NOT NULL,
            i64 BIGINT NOT NULL, u64 BIGINT UNSIGNED NOT NULL,
            flag TINYINT(1) NOT NULL,
            ratio DOUBLE NOT NULL, ratio32 FLOAT NOT NULL,
            label VARCHAR(255) NOT NULL, body TEXT NOT NULL,
            at DATETIME(6) NOT NULL, stamp TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
            raw VARBINARY(64) NOT NULL, bytes BLOB NOT NULL,
            ref CHAR(36) NOT NULL,
            stop JSON NOT NULL,
            status ENUM('free', 'booked') NOT NULL,
            price DECIMAL(12, 3) NOT NULL
        ) ENGINE=InnoDB
        """

    static func sample(id: Int, extreme: Bool) -> Everything {
        Everything(
            id: id,
            i8: extreme ? .min : 7, u8: extreme ? .max : 8,
            i16: extreme ? .min : -16, u16: extreme ? .max : 16,
            i32: extreme ? .min : -32, u32: extreme ? .max : 32,
            i64: extreme ? .min : -64, u64: extreme ? .max : 64,
            flag: extreme,
            ratio: extreme ? -1.5e300 : 0.1, ratio32: extreme ? 3.25 : -0.5,
            label: extreme ? "Lastoursville, Ndjolé 🚂🇬🇦" : "Owendo",
            body: String(repeating: "Franceville–Moanda ", count: extreme ? 500 : 1),
            at: Date(timeIntervalSince1970: extreme ? 4_102_444_799.999999 : 1_767_225_600.123456),
            stamp: Date(timeIntervalSince1970: extreme ? 2_000_000_000.5 : 1_767_225_600.000001),
            raw: Data([0, 1, 2, 0xFF, 0]), bytes: extreme ? [] : [0xDE, 0xAD, 0xBE, 0xEF],
            ref: UUID(),
            stop: Stop(name: "Ndjolé", km: 185.5, tags: extreme ? [] : ["gare", "fret"]),
            status: extreme ? .booked : .free,
            price: Decimal(string: extreme ? "-999999999.999" : "12500.250")!
        )
    }

    static func expectClose(_ a: Date, _ b: Date) {
        #expect(abs(a.timeIntervalSince1970 - b.timeIntervalSince1970) < 0.000_001_5, "\(a) vs \(b)")
    }

    @Test("every supported type round-trips through a model insert and all(decoding:)")
    func roundTripEveryType() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            _ = try await pool.exec(Self.createEverything)
            let rows = [Self.sample(id: 1, extreme: false), Self.sample(id: 2, extreme: true)]
            try await pool.insert(into: "everything").models(rows).run()
            let back = try await pool.select().column("*").from("everything").orderBy("id").all(decoding: Everything.self)
            #expect(back.count == 2)
            for (sent, got) in zip(rows, back) {
                var expected = sent
                expected.at = got.at
                expected.stamp = got.stamp
                #expect(got == expected)
                Self.expectClose(got.at, sent.at)
                Self.expectClose(got.stamp, sent.stamp)
            }
            // Single columns through row.decode(column:as:) and first(decoding:).
            let row = try #require(try await pool.raw("SELECT u64, i8, stop, ref, price FROM everything WHERE id = \(bind: 2)").first())
            #expect(try row.decode(column: "u64", as: UInt64.self) == .max)
            #expect(try row.decode(column: "i8", as: Int8.self) == .min)
            #expect(try row.decode(column: "stop", as: Stop.self) == rows[1].stop)
            #expect(try row.decode(column: "ref", as: UUID.self) == rows[1].ref)
            #expect(try row.decode(column: "price", as: String.self) == "-999999999.999")
            #expect(try row.decode(column: "price", as: Decimal.self) == rows[1].price)
            #expect(row.allColumns == ["u64", "i8", "stop", "ref", "price"])
        }
    }

    @Test("integer decoding checks overflow instead of wrapping")
    func integerOverflow() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            let row = try #require(try await pool.raw("""
                SELECT 300 AS small, -1 AS negative, CAST(18446744073709551615 AS UNSIGNED) AS huge,
                       CAST(12 AS DECIMAL(10,2)) AS decimal_whole, 1.5 AS fractional, COUNT(*) AS counted
                FROM (SELECT 1) AS one
                """).first())
            #expect(try row.decode(column: "small", as: Int16.self) == 300)
            #expect(try row.decode(column: "small", as: UInt16.self) == 300)
            #expect(throws: MySQLError.self) { try row.decode(column: "small", as: Int8.self) }
            #expect(throws: MySQLError.self) { try row.decode(column: "negative", as: UInt.self) }
            #expect(try row.decode(column: "negative", as: Int8.self) == -1)
            #expect(try row.decode(column: "huge", as: UInt64.self) == .max)
            #expect(throws: MySQLError.self) { try row.decode(column: "huge", as: Int64.self) }
            #expect(try row.decode(column: "decimal_whole", as: Int.self) == 12)
            #expect(throws: MySQLError.self) { try row.decode(column: "fractional", as: Int.self) }
            #expect(try row.decode(column: "fractional", as: Double.self) == 1.5)
            #expect(try row.decode(column: "counted", as: Int.self) == 1)
            #expect(try row.decode(column: "counted", as: Bool.self) == true)
            let missing = #expect(throws: MySQLError.self) { try row.decode(column: "nope", as: Int.self) }
            #expect(missing == .decoding(column: "nope", message: "no such column in the result"))
        }
    }

    struct Nullable: Codable, Equatable, Sendable {
        var id: Int
        var name: String?
        var count: Int?
        var at: Date?
        var payload: Data?
        var flag: Bool?
        var stop: Stop?
    }

    @Test("nil binds as NULL and NULL decodes as nil (an error for a non-optional)")
    func nulls() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            _ = try await pool.exec(SQLRaw("""
                CREATE TABLE nullable (id INT PRIMARY KEY, name VARCHAR(20) NULL, count INT NULL, at DATETIME(6) NULL,
                                       payload BLOB NULL, flag BOOLEAN NULL, stop JSON NULL)
                """))
            let empty = Nullable(id: 1, name: nil, count: nil, at: nil, payload: nil, flag: nil, stop: nil)
            try await pool.insert(into: "nullable").model(empty, nilEncodingStrategy: .asNil).run()
            let name: String? = nil
            let count: Int? = nil
            _ = try await pool.exec(SQLQueryString("INSERT INTO nullable (id, name, count) VALUES (2, \(bind: name), \(bind: count))"))
            let rows = try await pool.select().column("*").from("nullable").orderBy("id").all(decoding: Nullable.self)
            #expect(rows == [empty, Nullable(id: 2, name: nil, count: nil, at: nil, payload: nil, flag: nil, stop: nil)])
            #expect(try await pool.count("nullable", where: "name IS NULL AND count IS NULL") == 2)
            let row = try #require(try await pool.raw("SELECT name, NULL AS nothing FROM nullable WHERE id = 1").first())
            #expect(try row.decodeNil(column: "name"))
            #expect(try row.decode(column: "nothing", as: Int?.self) == nil)
            #expect(throws: MySQLError.self) { try row.decode(column: "name", as: String.self) }
        }
    }

    @Test("utf8mb4 text: accents and emoji survive, one emoji is one character")
    func unicode() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            _ = try await pool.exec(SQLRaw("CREATE TABLE places (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL)"))
            let names = ["Lastoursville, Ndjolé", "🚂 Libreville → Franceville 🇬🇦", "Mitzic – Oyem «ça»"]
            for (index, name) in names.enumerated() {
                _ = try await pool.exec(SQLQueryString("INSERT INTO places VALUES (\(bind: index), \(bind: name))"))
            }
            struct Place: Decodable { let name: String; let chars: Int }
            let back = try await pool.raw("SELECT name, CHAR_LENGTH(name) AS chars FROM places ORDER BY id").all(decoding: Place.self)
            #expect(back.map(\.name) == names)
            #expect(back[1].chars == names[1].unicodeScalars.count)
            // Binds compare as text too.
            #expect(try await pool.count("places", where: "name = \(bind: "Lastoursville, Ndjolé")") == 1)
        }
    }

    @Test("dates are written and read as UTC (session time_zone +00:00)")
    func datesAreUTC() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            // The conversion is arithmetic in UTC (no Calendar, no TimeZone.current) and the session runs at
            // +00:00, so neither the process TZ (not changed here: other suites share the process) nor the
            // server's SYSTEM zone matters.
            _ = try await pool.exec(SQLRaw("CREATE TABLE times (id INT PRIMARY KEY, dt DATETIME(6) NOT NULL, ts TIMESTAMP(6) NULL, d DATE NULL)"))
            // 2026-03-01T12:34:56.789012Z
            let instant = Date(timeIntervalSince1970: 1_772_368_496.789012)
            _ = try await pool.exec(SQLQueryString("INSERT INTO times VALUES (1, \(bind: instant), \(bind: instant), \(bind: instant))"))
            let row = try #require(try await pool.raw("""
                SELECT dt, ts, d, CAST(dt AS CHAR) AS dt_text, CAST(ts AS CHAR) AS ts_text, @@session.time_zone AS zone,
                       UNIX_TIMESTAMP(ts) AS epoch
                FROM times
                """).first())
            #expect(try row.decode(column: "zone", as: String.self) == "+00:00")
            #expect(try row.decode(column: "dt_text", as: String.self) == "2026-03-01 12:34:56.789012")
            #expect(try row.decode(column: "ts_text", as: String.self) == "2026-03-01 12:34:56.789012")
            #expect(try row.decode(column: "epoch", as: Double.self) == 1_772_368_496.789012)
            MySQLTypeTests.expectClose(try row.decode(column: "dt", as: Date.self), instant)
            MySQLTypeTests.expectClose(try row.decode(column: "ts", as: Date.self), instant)
            #expect(try row.decode(column: "d", as: Date.self) == Date(timeIntervalSince1970: 1_772_323_200))
            #expect(try row.decode(column: "dt_text", as: Date.self).timeIntervalSince1970.rounded() == 1_772_368_497)
            // Comparison against a bound Date happens in UTC as well.
            #expect(try await pool.count("times", where: "dt = \(bind: instant)") == 1)
        }
    }

    @Test("a 5 MB BLOB and a 1 MB text round-trip intact")
    func largeValues() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            _ = try await pool.exec(SQLRaw("CREATE TABLE big (id INT PRIMARY KEY, payload LONGBLOB NOT NULL, note LONGTEXT NOT NULL)"))
            var words = [UInt64](repeating: 0, count: 5 * 1024 * 1024 / 8)
            for index in words.indices { words[index] = UInt64.random(in: 0...UInt64.max) }
            let blob = words.withUnsafeBytes { Data($0) }
            let note = String(repeating: "Ndjolé 🚂 ", count: 100_000)
            _ = try await pool.exec(SQLQueryString("INSERT INTO big VALUES (1, \(bind: blob), \(bind: note))"))
            _ = try await pool.exec(SQLQueryString("INSERT INTO big VALUES (2, \(bind: Data([1, 2, 3])), \(bind: "short"))"))
            struct Big: Decodable { let id: Int; let payload: Data; let note: String; let size: Int }
            let rows = try await pool.raw("SELECT id, payload, note, LENGTH(payload) AS size FROM big ORDER BY id").all(decoding: Big.self)
            #expect(rows.count == 2)
            #expect(rows[0].size == 5 * 1024 * 1024)
            #expect(rows[0].payload == blob)
            #expect(rows[0].note == note)
            #expect(rows[1].payload == Data([1, 2, 3]))
            #expect(rows[1].note == "short")
            let bytes = try #require(try await pool.raw("SELECT payload FROM big WHERE id = 1").first()).decode(column: "payload", as: [UInt8].self)
            #expect(bytes.count == blob.count)
        }
    }

    @Test("a value larger than max_allowed_packet is refused before it is sent; the connection stays usable")
    func tooLargeValue() async throws {
        try await withTestDatabase(maxConnections: 1) { pool, _, _ async throws in
            _ = try await pool.exec(SQLRaw("CREATE TABLE big (id INT PRIMARY KEY, payload LONGBLOB NOT NULL)"))
            let packet = try #require(try await pool.raw("SELECT @@max_allowed_packet AS p").first()).decode(column: "p", as: Int.self)
            let error = await #expect(throws: MySQLError.self) {
                try await pool.exec(SQLQueryString("INSERT INTO big VALUES (1, \(bind: Data(count: packet + 1)))"))
            }
            guard case .encoding = error else {
                Issue.record("expected .encoding, got \(String(describing: error))")
                return
            }
            #expect(try await pool.count("big") == 0)
        }
    }

    struct Meta: Codable, Equatable, Sendable {
        var line: String
        var stops: [Stop]
        var opened: Date
        var extra: [String: Int]
    }

    @Test("JSON columns: any other Encodable binds as JSON and decodes back into nested Decodables")
    func jsonColumns() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            _ = try await pool.exec(SQLRaw("CREATE TABLE rail_lines (id INT PRIMARY KEY, meta JSON NOT NULL, tags JSON NOT NULL, status VARCHAR(10) NOT NULL)"))
            let meta = Meta(
                line: "Transgabonais",
                stops: [Stop(name: "Owendo", km: 0, tags: ["port"]), Stop(name: "Ndjolé", km: 185.5, tags: [])],
                opened: Date(timeIntervalSince1970: 1_000_000_000.25),
                extra: ["trains": 3]
            )
            let tags = ["fret", "voyageurs"]
            _ = try await pool.exec(SQLQueryString("INSERT INTO rail_lines VALUES (1, \(bind: meta), \(bind: tags), \(bind: Status.booked))"))
            let row = try #require(try await pool.raw("""
                SELECT meta, tags, status, JSON_VALUE(meta, '$.stops[1].name') AS second FROM rail_lines
                """).first())
            #expect(try row.decode(column: "meta", as: Meta.self) == meta)
            #expect(try row.decode(column: "tags", as: [String].self) == tags)
            #expect(try row.decode(column: "status", as: Status.self) == .booked)
            #expect(try row.decode(column: "second", as: String.self) == "Ndjolé")
            // The dialect's JSON sub-path expression.
            struct Second: Decodable { let line: String }
            let line = try await pool.select()
                .column(SQLAlias(SQLNestedSubpathExpression(column: "meta", path: ["line"]), as: SQLIdentifier("line")))
                .from("rail_lines").first(decoding: Second.self)
            #expect(line?.line == "Transgabonais")
        }
    }

    @Test("cached prepared statements follow schema changes made by any connection")
    func statementCacheAfterSchemaChange() async throws {
        try await withTestDatabase(maxConnections: 1) { pool, admin, database async throws in
            _ = try await pool.exec(SQLRaw("CREATE TABLE evolving (id INT PRIMARY KEY, a INT NOT NULL)"))
            _ = try await pool.exec(SQLRaw("INSERT INTO evolving VALUES (1, 10)"))
            let before = try #require(try await pool.raw("SELECT * FROM evolving WHERE id = \(bind: 1)").first())
            #expect(before.allColumns == ["id", "a"])
            _ = try await admin.exec(SQLQueryString("ALTER TABLE \(ident: database).evolving ADD COLUMN b VARCHAR(10) NOT NULL DEFAULT 'x'"))
            let after = try #require(try await pool.raw("SELECT * FROM evolving WHERE id = \(bind: 1)").first())
            #expect(after.allColumns == ["id", "a", "b"])
            #expect(try after.decode(column: "b", as: String.self) == "x")
            _ = try await admin.exec(SQLQueryString("ALTER TABLE \(ident: database).evolving DROP COLUMN a"))
            let dropped = try #require(try await pool.raw("SELECT * FROM evolving WHERE id = \(bind: 1)").first())
            #expect(dropped.allColumns == ["id", "b"])
        }
    }

    @Test("an SQL injection attempt stays a plain value")
    func injectionStaysAValue() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            _ = try await pool.exec(SQLRaw("CREATE TABLE riders (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(200) NOT NULL)"))
            let evil = "Robert'); DROP TABLE riders; -- \\' \" `"
            let inserted = try await pool.exec(SQLQueryString("INSERT INTO riders (name) VALUES (\(bind: evil))"))
            #expect(inserted.affectedRows == 1)
            #expect(inserted.lastInsertID == 1)
            #expect(try await pool.count("riders", where: "name = \(bind: evil)") == 1)
            #expect(try await pool.count("riders", where: "name = \(bind: "x' OR '1'='1")") == 0)
            let back = try await pool.select().column("name").from("riders").where("name", .equal, evil).first(decoding: [String: String].self)
            #expect(back?["name"] == evil)
        }
    }

    @Test("upsert through SQLKit renders ON DUPLICATE KEY UPDATE and works")
    func upsert() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            _ = try await pool.exec(SQLRaw("CREATE TABLE stations (code CHAR(3) PRIMARY KEY, name VARCHAR(50) NOT NULL, visits INT NOT NULL)"))
            func upsert(_ name: String) -> SQLInsertBuilder {
                pool.insert(into: "stations")
                    .columns("code", "name", "visits")
                    .values(SQLBind("NDJ"), SQLBind(name), SQLBind(1))
                    .onConflict(with: ["code"]) { update in
                        update.set(excludedValueOf: "name")
                            .set("visits", to: SQLBinaryExpression(SQLColumn("visits"), .add, SQLLiteral.numeric("1")))
                    }
            }
            let (sql, binds) = pool.serialize(upsert("Ndjolé").query)
            #expect(sql == "INSERT INTO `stations` (`code`, `name`, `visits`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`), `visits` = `visits` + 1")
            #expect(binds.count == 3)
            #expect(try await pool.exec(upsert("Ndjole").query).affectedRows == 1)
            #expect(try await pool.exec(upsert("Ndjolé").query).affectedRows == 2)
            struct Station: Decodable, Equatable { let code: String; let name: String; let visits: Int }
            let all = try await pool.select().column("*").from("stations").all(decoding: Station.self)
            #expect(all == [Station(code: "NDJ", name: "Ndjolé", visits: 2)])
            // ignoringConflicts renders INSERT IGNORE on this dialect.
            try await pool.insert(into: "stations").columns("code", "name", "visits").values(SQLBind("NDJ"), SQLBind("x"), SQLBind(9)).ignoringConflicts().run()
            #expect(try await pool.count("stations", where: "visits = 2") == 1)
        }
    }

    @Test("dialect: backticks, ? placeholders, literal booleans, inline enums, no RETURNING")
    func dialect() async throws {
        try await withTestDatabase { pool, _, _ async throws in
            let select = pool.select().column("a").from("t").where("b", .equal, true).where("c", .equal, SQLLiteral.boolean(false)).limit(1)
            #expect(pool.serialize(select.query).sql == "SELECT `a` FROM `t` WHERE `b` = ? AND `c` = false LIMIT 1")
            let create = pool.create(table: "seats")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("state", type: .enum(["free", "held"]), .notNull)
                .column("at", type: .timestamp)
            #expect(pool.serialize(create.query).sql
                == "CREATE TABLE `seats` (`id` BIGINT PRIMARY KEY AUTO_INCREMENT, `state` ENUM ('free', 'held') NOT NULL, `at` DATETIME(6))")
            try await create.run()
            #expect(MySQLDialect().supportsReturning == false)
            #expect(MySQLDialect().upsertSyntax == .mysqlLike)
            let locked = pool.select().column("id").from("seats").for(.update)
            #expect(pool.serialize(locked.query).sql == "SELECT `id` FROM `seats` FOR UPDATE")
            try await locked.run()
            try await pool.select().column("id").from("seats").for(.share).run()
        }
    }
}
