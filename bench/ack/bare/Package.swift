// swift-tools-version:6.0
// The framework's ceiling for bench/ack: a bare Hummingbird route answering the same signed slash
// command with a fixed body, and nothing else (no signature check, no parsing, no metrics).
import PackageDescription

let package = Package(
    name: "BareRoute",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "BareRoute",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
