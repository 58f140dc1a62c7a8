import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

/// A real, throwaway PostgreSQL server for a test suite: Debian's `postgresql` binaries (the newest
/// in `/usr/lib/postgresql/*/bin`), `initdb` into a temporary folder with scram-sha-256 passwords,
/// listening on a free loopback port with TLS on (a self-signed certificate), stopped and removed at
/// the end. As root (CI) the folder belongs to `postgres` and both run through `runuser`, since
/// `initdb` refuses root.
///
/// Suites take it with the `.postgresServer` trait and reach it as `PostgresServer.current`; each test
/// creates its own database, so tests run in parallel.
final class PostgresServer: Sendable {
    /// The server of the running suite (set by the `.postgresServer` trait).
    @TaskLocal static var current: PostgresServer?

    /// The superuser `initdb` creates, and its password (with characters a url must percent-encode).
    static let superuser = "sluice_admin"
    static let password = "pg-Secret:@/9#x"

    let port: Int
    let root: String
    private let bin: String
    private let process: Mutex<ChildProcess?>

    private init(port: Int, root: String, bin: String, process: ChildProcess) {
        self.port = port
        self.root = root
        self.bin = bin
        self.process = Mutex(process)
    }

    /// `postgres://sluice_admin:…@127.0.0.1:PORT/DATABASE?sslmode=…`, the password percent-encoded.
    func url(database: String, sslmode: String = "disable", password: String = PostgresServer.password, port: Int? = nil) -> String {
        let encoded = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? password
        return "postgres://\(Self.superuser):\(encoded)@127.0.0.1:\(port ?? self.port)/\(database)?sslmode=\(sslmode)"
    }

    /// A new empty database for one test, created from `sql` (statements separated by `;`).
    func database(_ sql: String = "") async throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await execute("create database \(name)")
        if !sql.isEmpty { try await execute(sql, database: name) }
        return name
    }

    /// Runs `sql` (one or more statements, in one transaction) on `database` as the superuser, with `psql`.
    func execute(_ sql: String, database: String = "postgres") async throws {
        try await Self.run(
            [bin + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", Self.superuser,
             "-d", database, "-c", sql],
            log: nil, environment: ["PGPASSWORD": Self.password])
    }

    /// A superuser connection to `database` (plain TCP).
    func connect(database: String = "postgres") async throws -> PostgresConnection {
        var logger = Logger(label: "test.postgres")
        logger.logLevel = .warning
        return try await PostgresConnection.connect(
            configuration: .init(
                host: "127.0.0.1", port: port, username: Self.superuser, password: Self.password, database: database, tls: .disable),
            id: 1, logger: logger)
    }

    // MARK: Starting and stopping

    /// Creates the cluster, starts the server and waits (bounded) until it accepts connections.
    /// Fails with what to install when PostgreSQL is missing.
    static func start() async throws -> PostgresServer {
        guard let bin = newestBinaries() else {
            throw PostgresServerError("PostgreSQL is not installed: apt-get install -y postgresql")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try (password + "\n").write(toFile: root + "/pwfile", atomically: true, encoding: .utf8)
        try await run([
            "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", root + "/server.key", "-out", root + "/server.crt",
        ], log: root + "/openssl.log")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: root + "/server.key")
        let asRoot = getuid() == 0
        if asRoot {
            try await run(["/bin/chown", "-R", "postgres:postgres", root], log: nil)
        }
        try await run(
            command(asRoot, [
                bin + "/initdb", "-D", root + "/data", "-U", superuser, "--auth=scram-sha-256", "--pwfile=" + root + "/pwfile",
                "-E", "UTF8", "--no-locale", "--no-sync",
            ]), log: root + "/initdb.log")
        let port = try freePort()
        let arguments = command(asRoot, [
            bin + "/postgres", "-D", root + "/data", "-p", String(port), "-k", root,
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "ssl=on", "-c", "ssl_cert_file=" + root + "/server.crt", "-c", "ssl_key_file=" + root + "/server.key",
            "-c", "max_connections=60", "-c", "shared_buffers=32MB", "-c", "log_min_messages=warning",
        ])
        let server = try ChildProcess.spawn(arguments, output: root + "/server.log")
        let started = PostgresServer(port: port, root: root, bin: bin, process: server)
        do {
            try await started.waitUntilReady()
        } catch {
            await started.stop()
            throw error
        }
        return started
    }

    /// Stops the server (fast shutdown) and removes its folder.
    func stop() async {
        let running = process.withLock { current -> ChildProcess? in
            defer { current = nil }
            return current
        }
        guard let running else { return }
        if running.isRunning {
            try? await Self.run(
                Self.command(getuid() == 0, [bin + "/pg_ctl", "stop", "-D", root + "/data", "-m", "fast", "-w", "-t", "30"]),
                log: nil)
            running.signal(SIGTERM)
            await running.waitForExit()
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Polls a connection (at most 30 s, every 50 ms) until the server answers.
    private func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            if let connection = try? await connect() {
                try? await connection.close()
                return
            }
            let exited = process.withLock { !($0?.isRunning ?? false) }
            if exited || ContinuousClock.now > deadline {
                let log = (try? String(contentsOfFile: root + "/server.log", encoding: .utf8)) ?? ""
                throw PostgresServerError("the test PostgreSQL server did not start: \(log.suffix(2_000))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private static func newestBinaries() -> String? {
        let base = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return versions.compactMap(Int.init).sorted().reversed().map { "\(base)/\($0)/bin" }.first {
            FileManager.default.isExecutableFile(atPath: $0 + "/initdb") && FileManager.default.isExecutableFile(atPath: $0 + "/postgres")
        }
    }

    private static func command(_ asRoot: Bool, _ arguments: [String]) -> [String] {
        asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments : arguments
    }

    /// Runs a command to its end without blocking a thread; throws with its output when it fails.
    private static func run(_ arguments: [String], log: String?, environment: [String: String] = [:]) async throws {
        let path = log ?? FileManager.default.temporaryDirectory.appendingPathComponent("sluice-pg-\(UUID().uuidString).log").path
        let process = try ChildProcess.spawn(
            arguments, environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 },
            output: path)
        let status = await process.waitForExit()
        let output = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        if log == nil { try? FileManager.default.removeItem(atPath: path) }
        guard status == 0 else {
            throw PostgresServerError("\(arguments.joined(separator: " ")) failed (\(status)): \(output.suffix(2_000))")
        }
    }

    /// A loopback port nobody listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PostgresServerError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw PostgresServerError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw PostgresServerError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The test server could not be set up.
struct PostgresServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The suite trait that starts one `PostgresServer` for a suite's tests and stops it after them.
struct PostgresServerTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let server = try await PostgresServer.start()
        do {
            try await PostgresServer.$current.withValue(server) { try await function() }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

extension Trait where Self == PostgresServerTrait {
    /// One real PostgreSQL server for the suite (`PostgresServer.current` in its tests).
    static var postgresServer: Self { PostgresServerTrait() }
}
