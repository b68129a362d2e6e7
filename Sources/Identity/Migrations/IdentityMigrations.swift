import SetragKernel

/// The identity database's schema, in order. Names are stable: never rename or edit one that has shipped.
enum IdentityMigrations {
    static let all: [Migration] = [
        Migration("identity_0001_users", [
            """
            CREATE TABLE users (
                id VARCHAR(40) NOT NULL PRIMARY KEY,
                display_name_enc VARBINARY(1024) NOT NULL,
                email_enc VARBINARY(1024) NULL,
                email_hash BINARY(32) NULL,
                phone_enc VARBINARY(512) NULL,
                phone_hash BINARY(32) NULL,
                password_hash VARCHAR(100) NOT NULL,
                locale VARCHAR(8) NOT NULL DEFAULT 'fr',
                status VARCHAR(16) NOT NULL DEFAULT 'active',
                created_at DATETIME(6) NOT NULL,
                updated_at DATETIME(6) NOT NULL,
                UNIQUE KEY users_email_hash (email_hash),
                UNIQUE KEY users_phone_hash (phone_hash)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """,
            """
            CREATE TABLE user_roles (
                user_id VARCHAR(40) NOT NULL,
                role VARCHAR(20) NOT NULL,
                granted_at DATETIME(6) NOT NULL,
                granted_by VARCHAR(40) NULL,
                PRIMARY KEY (user_id, role),
                CONSTRAINT user_roles_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """,
        ]),
        Migration("identity_0002_oauth", [
            """
            CREATE TABLE oauth_clients (
                id VARCHAR(64) NOT NULL PRIMARY KEY,
                name VARCHAR(120) NOT NULL,
                kind VARCHAR(16) NOT NULL,
                secret_hash VARCHAR(100) NULL,
                redirect_uris TEXT NOT NULL,
                grant_types VARCHAR(200) NOT NULL,
                roles VARCHAR(200) NOT NULL DEFAULT '',
                organisation_id VARCHAR(40) NULL,
                created_at DATETIME(6) NOT NULL,
                created_by VARCHAR(40) NULL,
                revoked_at DATETIME(6) NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """,
            """
            CREATE TABLE token_families (
                id VARCHAR(40) NOT NULL PRIMARY KEY,
                client_id VARCHAR(64) NOT NULL,
                user_id VARCHAR(40) NULL,
                scope VARCHAR(400) NOT NULL DEFAULT '',
                created_at DATETIME(6) NOT NULL,
                expires_at DATETIME(6) NOT NULL,
                revoked_at DATETIME(6) NULL,
                revoked_reason VARCHAR(40) NULL,
                KEY token_families_user (user_id)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """,
            """
            CREATE TABLE authorization_codes (
                code_hash BINARY(32) NOT NULL PRIMARY KEY,
                family_id VARCHAR(40) NOT NULL,
                client_id VARCHAR(64) NOT NULL,
                user_id VARCHAR(40) NOT NULL,
                redirect_uri VARCHAR(600) NOT NULL,
                code_challenge VARCHAR(128) NOT NULL,
                scope VARCHAR(400) NOT NULL DEFAULT '',
                expires_at DATETIME(6) NOT NULL,
                used_at DATETIME(6) NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """,
            """
            CREATE TABLE refresh_tokens (
                token_hash BINARY(32) NOT NULL PRIMARY KEY,
                family_id VARCHAR(40) NOT NULL,
                created_at DATETIME(6) NOT NULL,
                used_at DATETIME(6) NULL,
                KEY refresh_tokens_family (family_id)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """,
            """
            CREATE TABLE access_tokens (
                jti VARCHAR(40) NOT NULL PRIMARY KEY,
                family_id VARCHAR(40) NULL,
                client_id VARCHAR(64) NOT NULL,
                subject VARCHAR(64) NOT NULL,
                expires_at DATETIME(6) NOT NULL,
                revoked_at DATETIME(6) NULL,
                KEY access_tokens_family (family_id),
                KEY access_tokens_expiry (expires_at)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """,
            """
            CREATE TABLE signing_keys (
                kid VARCHAR(40) NOT NULL PRIMARY KEY,
                alg VARCHAR(10) NOT NULL,
                private_key_enc VARBINARY(512) NOT NULL,
                public_x VARCHAR(100) NOT NULL,
                created_at DATETIME(6) NOT NULL,
                retired_at DATETIME(6) NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """,
        ]),
        Migration("identity_0003_audit", [
            """
            CREATE TABLE audit_log (
                id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                at DATETIME(6) NOT NULL,
                actor VARCHAR(64) NULL,
                action VARCHAR(40) NOT NULL,
                target VARCHAR(128) NULL,
                address VARCHAR(64) NULL,
                request_id VARCHAR(128) NULL,
                details TEXT NULL,
                KEY audit_log_at (at),
                KEY audit_log_actor (actor)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """,
        ]),
    ]
}
