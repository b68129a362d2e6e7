import Foundation
import SQLKit

/// SQL dialect shared by MariaDB 10.11 and MySQL 8.4.
///
/// - Identifiers are quoted with backticks, strings with `'`, placeholders are `?`.
/// - Booleans render as `true` / `false` (both servers read them as 1 / 0).
/// - Auto-increment is the `AUTO_INCREMENT` column clause; the generated id is read through
///   ``MySQLExecResult/lastInsertID`` (no `RETURNING`: MySQL 8.4 has none).
/// - Upserts use `INSERT … ON DUPLICATE KEY UPDATE` (``SQLUpsertSyntax/mysqlLike``). SQLKit renders
///   `.excludedValue(of: "col")` as `VALUES(col)`: MariaDB's only syntax, which MySQL 8.4 still accepts
///   (deprecated since 8.0.20 in favour of a row alias, with a warning but no error). The row-alias form
///   (`… AS new ON DUPLICATE KEY UPDATE c = new.c`) is not understood by MariaDB, so do not write it.
/// - `ENUM(...)` is declared inline on the column.
/// - SQLKit's `.timestamp` data type maps to `DATETIME(6)` (UTC by convention, no 2038 limit, no implicit
///   `ON UPDATE`), `.blob` to `LONGBLOB`, `.text` to `TEXT`, `.real` to `DOUBLE`.
/// - Shared row locks render as `LOCK IN SHARE MODE` (MariaDB 10.11 has no `FOR SHARE`), exclusive ones as
///   `FOR UPDATE`.
/// - JSON sub-paths render as `JSON_UNQUOTE(JSON_EXTRACT(col, '$."a"."b"'))` (MariaDB has no `->>`).
public struct MySQLDialect: SQLDialect {
    public init() {}

    public var name: String { "mysql" }

    public var identifierQuote: any SQLExpression { SQLRaw("`") }

    public var literalStringQuote: any SQLExpression { SQLRaw("'") }

    public var supportsAutoIncrement: Bool { true }

    public var autoIncrementClause: any SQLExpression { SQLRaw("AUTO_INCREMENT") }

    public func bindPlaceholder(at position: Int) -> any SQLExpression { SQLRaw("?") }

    public func literalBoolean(_ value: Bool) -> any SQLExpression { SQLRaw(value ? "true" : "false") }

    public var literalDefault: any SQLExpression { SQLRaw("DEFAULT") }

    public var supportsIfExists: Bool { true }

    public var enumSyntax: SQLEnumSyntax { .inline }

    /// `DROP TABLE … RESTRICT | CASCADE` is accepted (and ignored) by both servers.
    public var supportsDropBehavior: Bool { true }

    public var supportsReturning: Bool { false }

    public var triggerSyntax: SQLTriggerSyntax {
        .init(create: [.supportsBody, .supportsOrder, .supportsDefiner, .requiresForEachRow], drop: [])
    }

    public var alterTableSyntax: SQLAlterTableSyntax {
        .init(alterColumnDefinitionClause: SQLRaw("MODIFY COLUMN"), alterColumnDefinitionTypeKeyword: nil)
    }

    public func customDataType(for dataType: SQLDataType) -> (any SQLExpression)? {
        switch dataType {
        case .blob: return SQLRaw("LONGBLOB")
        case .real: return SQLRaw("DOUBLE")
        case .custom(let raw as SQLRaw) where raw.sql == "TIMESTAMP": return SQLRaw("DATETIME(6)")  // SQLDataType.timestamp
        default: return nil
        }
    }

    public var upsertSyntax: SQLUpsertSyntax { .mysqlLike }

    /// INTERSECT / EXCEPT (and their ALL forms) exist in MariaDB ≥ 10.5 and MySQL ≥ 8.0.31.
    public var unionFeatures: SQLUnionFeatures {
        [.union, .unionAll, .intersect, .intersectAll, .except, .exceptAll, .explicitDistinct, .parenthesizedSubqueries]
    }

    public var sharedSelectLockExpression: (any SQLExpression)? { SQLRaw("LOCK IN SHARE MODE") }

    public var exclusiveSelectLockExpression: (any SQLExpression)? { SQLRaw("FOR UPDATE") }

    public func nestedSubpathExpression(in column: any SQLExpression, for path: [String]) -> (any SQLExpression)? {
        guard !path.isEmpty else { return nil }
        let jsonPath = "$" + path.map { ".\"" + $0.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined()
        return SQLFunction("JSON_UNQUOTE", args: SQLFunction("JSON_EXTRACT", args: column, SQLLiteral.string(jsonPath)))
    }
}
