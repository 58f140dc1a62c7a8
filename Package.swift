// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["Sluice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Pure domain: manifest, DAG, checks, anomaly detection, schedules, read models, messages. No I/O.
        .target(
            name: "SluiceCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // Persistent state: runs, steps, watermarks, alerts, mutes, outbox, audit log.
        .target(
            name: "StateStore",
            dependencies: ["SluiceCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // BigQuery wire: auth (service account JWT, metadata server), REST v2 client, retries.
        .target(
            name: "BigQueryAPI",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The `Warehouse` protocol and its SQLite and BigQuery implementations.
        .target(
            name: "Warehouse",
            dependencies: [
                "SluiceCore", "BigQueryAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // Slack wire: request verification, payloads, Web API client, console rendering.
        .target(
            name: "SlackAPI",
            dependencies: [
                "SluiceCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Run executor, extractors, scheduler, backfills, digest, progress messages.
        .target(
            name: "Worker",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                "SluiceCore", "StateStore", "Warehouse", "BigQueryAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The conversation: slash commands, buttons and thread replies turned into actions and replies.
        .target(
            name: "Conversation",
            dependencies: [
                "SluiceCore", "StateStore", "Warehouse", "Worker",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Slack delivery: the outbox sender, the App Home publisher, replies, user-group lookups.
        .target(
            name: "SlackDelivery",
            dependencies: [
                "SluiceCore", "StateStore", "SlackAPI", "Conversation",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The HTTP routes: /healthz, /metrics and Slack's, verified and acknowledged at once.
        .target(
            name: "Server",
            dependencies: [
                "SluiceCore", "StateStore", "SlackAPI", "Conversation", "SlackDelivery",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The composition root: a process wired from a configuration value; commands and tests call it.
        .target(
            name: "SluiceApp",
            dependencies: [
                "SluiceCore", "StateStore", "BigQueryAPI", "Warehouse", "SlackAPI", "Worker", "Conversation",
                "SlackDelivery", "Server",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The executable: parses the command line and runs the composition root.
        .executableTarget(
            name: "Sluice",
            dependencies: [
                "SluiceApp", "SluiceCore", "StateStore", "Worker", "Conversation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SluiceTests",
            dependencies: [
                "SluiceCore", "StateStore", "BigQueryAPI", "Warehouse", "SlackAPI", "Worker", "Conversation",
                "SlackDelivery", "Server", "SluiceApp",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Fixtures")]
        ),
    ]
)
