import SluiceCore

/// The reasons readers and `ExtractedRows` give for bad records that several of them meet, worded once.
enum BadRecordReason {
    /// `column note is longer than max_field_size (1 MiB); …`, for a field or line over the load's limit.
    static func tooLong(_ subject: String, maxFieldSize: Int) -> String {
        "\(subject) is longer than max_field_size (\(Format.bytes(Int64(maxFieldSize)))); "
            + "shorten it or raise max_field_size on the load"
    }

    /// `column name is not valid UTF-8; …`: in a file, the hint names the source's `encoding:`; in a
    /// database, the text itself must be fixed.
    static func notUTF8(_ subject: String, inFile: Bool) -> String {
        "\(subject) is not valid UTF-8; "
            + (inFile
                ? "set encoding: latin1 on the source if the file is Latin-1"
                : "fix the text in the database (SQLite keeps whatever bytes it is given)")
    }
}
