import Foundation
import Logging
import SQLKit
import SetragMySQL

/// One schema change of a service, with an explicit, stable name (`identity_0001_users`), never derived from a
/// type name. DDL auto-commits in MySQL, so each migration is small and recorded as soon as it has run.
public struct Migration: Sendable {
    public let name: String
    public let statements: [String]

    public init(_ name: String, _ statements: [String]) {
        self.name = name
        self.statements = statements
    }
}

/// Applies a service's migrations to its database and tells which are missing.
public struct MigrationRunner: Sendable {
    public static let table = "schema_migrations"
    let database: any MySQLDatabase
    let migrations: [Migration]
    let logger: Logger

    public init(database: any MySQLDatabase, migrations: [Migration], logger: Logger) {
        precondition(Set(migrations.map(\.name)).count == migrations.count, "migration names must be unique")
        self.database = database
        self.migrations = migrations
        self.logger = logger
    }

    func ensureTable(on db: any MySQLDatabase) async throws {
        _ = try await db.exec(SQLRaw("""
            CREATE TABLE IF NOT EXISTS \(Self.table) (
                name VARCHAR(190) NOT NULL PRIMARY KEY,
                applied_at DATETIME(6) NOT NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """))
    }

    struct AppliedRow: Decodable { let name: String }

    /// The names of the migrations not applied yet, in order.
    public func pending() async throws -> [String] {
        // Only reads: a database nobody migrated yet stays untouched.
        struct TableRow: Decodable { let n: Int }
        let exists = try await database.raw("""
            SELECT COUNT(*) AS n FROM information_schema.tables
            WHERE table_schema = DATABASE() AND table_name = \(bind: Self.table)
            """).first(decoding: TableRow.self)
        guard (exists?.n ?? 0) > 0 else { return migrations.map(\.name) }
        let applied = Set(try await database.select().column("name").from(Self.table).all(decoding: AppliedRow.self)
            .map(\.name))
        return migrations.map(\.name).filter { !applied.contains($0) }
    }

    /// Applies what is missing, holding a named lock so two processes never migrate at once.
    @discardableResult
    public func apply() async throws -> [String] {
        let migrations = self.migrations
        let logger = self.logger
        return try await database.withConnection { db in
            try await ensureTable(on: db)
            struct Locked: Decodable { let locked: Int? }
            let lock = try await db.raw("SELECT GET_LOCK('setrag_migrate', 60) AS locked").first(decoding: Locked.self)
            guard lock?.locked == 1 else { throw MigrationError.lockTimeout }
            do {
                let applied = Set(try await db.select().column("name").from(Self.table).all(decoding: AppliedRow.self)
                    .map(\.name))
                var done: [String] = []
                for migration in migrations where !applied.contains(migration.name) {
                    for statement in migration.statements { _ = try await db.exec(SQLRaw(statement)) }
                    _ = try await db.exec(SQLQueryString(
                        "INSERT INTO \(unsafeRaw: Self.table) (name, applied_at) VALUES (\(bind: migration.name), \(bind: Date()))"))
                    logger.info("migration applied", metadata: ["migration": "\(migration.name)"])
                    done.append(migration.name)
                }
                _ = try await db.exec(SQLRaw("SELECT RELEASE_LOCK('setrag_migrate')"))
                return done
            } catch {
                _ = try? await db.exec(SQLRaw("SELECT RELEASE_LOCK('setrag_migrate')"))
                throw error
            }
        }
    }
}

public enum MigrationError: Error, CustomStringConvertible {
    case lockTimeout
    case pending(service: String, names: [String])

    public var description: String {
        switch self {
        case .lockTimeout: return "another process holds the migration lock"
        case .pending(let service, let names):
            return "the \(service) database lacks migrations: \(names.joined(separator: ", ")) (run `setrag migrate`)"
        }
    }
}
