import Foundation
import PostgresNIO

/// Where a postgres source connects, read from its `url`
/// (`postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=require`): user and password percent-decoded,
/// port 5432 and user `postgres` when absent, the database named like the user when absent (as libpq does).
///
/// The password is kept only to authenticate: `description` and every message name host, port,
/// database and user, never the password.
struct PostgresEndpoint: Sendable, CustomStringConvertible {
    /// How the connection is encrypted (`sslmode`).
    enum TLSMode: String, Sendable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, else plain; the certificate is not verified (libpq's `prefer`).
        /// `allow` is read as `prefer` too: postgres-nio cannot retry with TLS after a plain refusal.
        case prefer
        /// TLS or fail; the certificate is not verified.
        case require
        /// TLS, the certificate chain verified (not the host name).
        case verifyCA = "verify-ca"
        /// TLS, the certificate chain and the host name verified.
        case verifyFull = "verify-full"
    }

    let host: String
    let port: Int
    let user: String
    let database: String
    let tls: TLSMode
    /// `sslrootcert=PATH`: the certificate authorities trusted by `verify-ca`/`verify-full` (default:
    /// the system's).
    let rootCertificatePath: String?
    private let password: String?

    /// The deadline of connecting: TCP, TLS and authentication together.
    static let connectTimeoutSeconds: Int64 = 15

    /// `shop@db.internal:5432`: how the source's display names it.
    var description: String { "\(database)@\(hostAndPort)" }

    /// `db.internal:5432` (IPv6 addresses in brackets).
    var hostAndPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// `postgres at db.internal:5432 (database shop, user app)`: where, for error messages.
    var place: String { "postgres at \(hostAndPort) (database \(database), user \(user))" }

    /// Reads `url`; throws `unreadable` naming what is wrong with it, without repeating it (it may
    /// hold a password).
    init(url: String, source: String?) throws {
        let owner = source.map { "source '\($0)'" } ?? "a postgres source"
        let lower = url.lowercased()
        guard lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://"),
              let components = URLComponents(string: url), var host = components.host, !host.isEmpty
        else {
            throw ExtractError(
                .unreadable,
                "the url of \(owner) is not a postgres://USER:PASSWORD@HOST:PORT/DATABASE url; check the source's url")
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host
        port = components.port ?? 5432
        let user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? ""
        self.user = user.isEmpty ? "postgres" : user
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = components.percentEncodedPath.drop { $0 == "/" }
        let database = String(path).removingPercentEncoding ?? String(path)
        self.database = database.isEmpty ? self.user : database
        let query = components.queryItems ?? []
        let mode = query.last { $0.name == "sslmode" }?.value ?? "prefer"
        switch mode {
        case "allow": tls = .prefer
        default:
            guard let known = TLSMode(rawValue: mode) else {
                throw ExtractError(
                    .unreadable,
                    "\(owner) has sslmode '\(mode)'; use disable, prefer, require, verify-ca or verify-full")
            }
            tls = known
        }
        rootCertificatePath = query.last { $0.name == "sslrootcert" }?.value
    }

    /// postgres-nio's configuration: TLS by `sslmode`, the session in UTC with ISO dates, UTF-8 text
    /// and floats printed exactly, and the connect deadline.
    func configuration() throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: try tlsConfiguration())
        configuration.options.connectTimeout = .seconds(Self.connectTimeoutSeconds)
        configuration.options.additionalStartupParameters = [
            ("application_name", "sluice"), ("TimeZone", "UTC"), ("DateStyle", "ISO, YMD"),
            ("client_encoding", "UTF8"), ("extra_float_digits", "1"), ("IntervalStyle", "iso_8601"),
        ]
        return configuration
    }

    private func tlsConfiguration() throws -> PostgresConnection.Configuration.TLS {
        guard tls != .disable else { return .disable }
        var settings = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .disable, .prefer, .require: settings.certificateVerification = .none
        case .verifyCA: settings.certificateVerification = .noHostnameVerification
        case .verifyFull: settings.certificateVerification = .fullVerification
        }
        if let rootCertificatePath, tls == .verifyCA || tls == .verifyFull {
            settings.trustRoots = .file(rootCertificatePath)
        }
        do {
            let context = try NIOSSLContext(configuration: settings)
            return tls == .prefer ? .prefer(context) : .require(context)
        } catch {
            throw ExtractError(
                .unreadable,
                "cannot set up TLS for \(place): \(error); check sslrootcert in the source's url (a PEM file of trusted certificates)")
        }
    }
}
