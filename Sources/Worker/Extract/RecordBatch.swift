/// Records as raw UTF-8 fields packed into one byte array: what a streamed source (a database
/// query, an API's pages) hands its reader a batch at a time, so the hand-over costs one lock per
/// batch rather than per row.
struct RecordBatch: Sendable {
    /// Fields per record.
    let width: Int
    /// Where these records come from, for messages (`page 3`); empty: numbered rows of the stream.
    var origin: String
    /// The names of this batch's fields, when they differ from batch to batch (an API's pages, each
    /// with the keys its records have); nil: the columns the producer announced.
    var columns: [String]?
    /// The fields' bytes, one after another.
    private(set) var bytes: [UInt8] = []
    /// Per field: where it starts in `bytes`.
    private var starts: [Int] = []
    /// Per field: its length, or -1 for null.
    private var lengths: [Int] = []
    /// Per record: nil, or why it is bad (then it has no fields).
    private var problems: [String?] = []
    private var open = 0

    /// Records in the batch, good and bad.
    var count: Int { problems.count }
    /// Bytes of field data held: a producer sends the batch when this or `count` grows large.
    var size: Int { bytes.count }

    /// An empty batch of records of `width` fields.
    init(width: Int, origin: String = "") {
        self.width = width
        self.origin = origin
    }

    /// Adds the next field of the record being built (nil: SQL or JSON null); the record is complete
    /// after `width` fields.
    mutating func append(field: (some Collection<UInt8>)?) {
        starts.append(bytes.count)
        if let field {
            bytes.append(contentsOf: field)
            lengths.append(field.count)
        } else {
            lengths.append(-1)
        }
        open += 1
        if open == width {
            problems.append(nil)
            open = 0
        }
    }

    /// Adds the next field of the record being built as the bytes `write` appends to the batch's
    /// own (no copy in between); when `write` returns false, what it wrote is taken back, no field
    /// is added, and the result is false.
    @inline(__always)
    mutating func appendField(writing write: (inout [UInt8]) -> Bool) -> Bool {
        let start = bytes.count
        guard write(&bytes) else {
            bytes.removeSubrange(start...)
            return false
        }
        starts.append(start)
        lengths.append(bytes.count - start)
        open += 1
        if open == width {
            problems.append(nil)
            open = 0
        }
        return true
    }

    /// Takes back record `record` and everything added after it, complete or not (a record found
    /// bad after some of its fields were added leaves nothing behind).
    mutating func removeRecords(from record: Int) {
        let field = record * width
        guard field < starts.count else { return }
        bytes.removeSubrange(starts[field]...)
        starts.removeSubrange(field...)
        lengths.removeSubrange(field...)
        problems.removeSubrange(min(record, problems.count)...)
        open = 0
    }

    /// Adds a null field.
    mutating func appendNull() {
        append(field: nil as [UInt8]?)
    }

    /// Adds a record that could not be split into fields (the reader reports it as a bad record).
    mutating func appendBad(_ reason: String) {
        precondition(open == 0, "a bad record cannot follow a partial record")
        for _ in 0..<width {
            starts.append(bytes.count)
            lengths.append(-1)
        }
        problems.append(reason)
    }

    /// Why record `record` is bad, or nil when it is a record.
    func problem(of record: Int) -> String? {
        problems[record]
    }

    /// Where field `field` of record `record` lies in `bytes`, or nil for null.
    func range(record: Int, field: Int) -> Range<Int>? {
        let position = record * width + field
        let length = lengths[position]
        return length < 0 ? nil : starts[position]..<(starts[position] + length)
    }
}
