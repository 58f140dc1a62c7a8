import _CryptoExtras
import Foundation

/// A service-account key file (`GOOGLE_APPLICATION_CREDENTIALS`): who signs and with what.
public struct ServiceAccountKey: Sendable {
    /// The service account's e-mail, the JWT's issuer.
    public let clientEmail: String
    /// The key's id, sent as the JWT header's `kid`.
    public let privateKeyID: String?
    /// The OAuth token endpoint, the JWT's audience.
    public let tokenURI: String
    /// The project the key belongs to, when the file says.
    public let projectID: String?
    let privateKey: _RSA.Signing.PrivateKey

    /// Google's token endpoint, used when the key file names none.
    public static let defaultTokenURI = "https://oauth2.googleapis.com/token"

    /// Reads and checks the key file at `path`. Errors name the file and the field at fault.
    public init(contentsOfFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Self.problem(path, "file cannot be read (check the path and its permissions)")
        }
        try self.init(json: data, file: path)
    }

    /// Parses and checks key-file JSON; `file` names it in errors.
    public init(json data: Data, file: String) throws {
        guard let json = JSON.parse(data), case .object = json else {
            throw Self.problem(file, "file is not JSON (expected a service-account key downloaded from the Cloud console)")
        }
        let type = json["type"].string
        if let type, type != "service_account" {
            throw Self.problem(file, "field type is \"\(type)\", expected \"service_account\" (only service-account keys are supported)")
        }
        guard let email = json["client_email"].string, !email.isEmpty else {
            throw Self.problem(file, "field client_email is missing")
        }
        guard let pem = json["private_key"].string, !pem.isEmpty else {
            throw Self.problem(file, "field private_key is missing")
        }
        do {
            privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw Self.problem(file, "field private_key is not a PEM private key (an RSA key of at least 2048 bits)")
        }
        let tokenURI = json["token_uri"].string ?? Self.defaultTokenURI
        guard let url = URL(string: tokenURI), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw Self.problem(file, "field token_uri is not a URL")
        }
        clientEmail = email
        privateKeyID = json["private_key_id"].string
        self.tokenURI = tokenURI
        projectID = json["project_id"].string
    }

    private static func problem(_ file: String, _ what: String) -> BigQueryError {
        BigQueryError(
            reason: "badCredentials", message: "GOOGLE_APPLICATION_CREDENTIALS=\(file): \(what)",
            hint: "point GOOGLE_APPLICATION_CREDENTIALS at a valid service-account key file (JSON)"
        )
    }
}
