// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v14)],
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
    ],
    targets: [
        // Pure domain: manifest, DAG, checks, anomaly detection, schedules, messages. No I/O.
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
            ]
        ),
        // The `Warehouse` protocol and its SQLite and BigQuery implementations.
        .target(
            name: "Warehouse",
            dependencies: [
                "SluiceCore", "BigQueryAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Slack wire: request verification, Web API client, console rendering.
        .target(
            name: "SlackAPI",
            dependencies: [
                "SluiceCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Run executor, extractors, scheduler.
        .target(
            name: "Worker",
            dependencies: [
                "SluiceCore", "StateStore", "Warehouse",
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
        // HTTP surface and long-running services.
        .target(
            name: "Server",
            dependencies: [
                "SluiceCore", "StateStore", "Warehouse", "Worker", "SlackAPI", "Conversation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Composition root: reads configuration, wires concrete types.
        .executableTarget(
            name: "Sluice",
            dependencies: [
                "SluiceCore", "StateStore", "Warehouse", "Worker", "SlackAPI", "Server", "Conversation", "BigQueryAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SluiceTests",
            dependencies: [
                "SluiceCore", "StateStore", "Warehouse", "Worker", "SlackAPI", "Server", "BigQueryAPI", "Conversation",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            resources: [.copy("Fixtures")]
        ),
    ]
)
