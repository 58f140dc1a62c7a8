import SluiceCore

/// An owned copy of one field, its text in storage of its own, so it outlives the row it came from:
/// the greatest cursor value read so far, or the watermark a load reads from.
final class HeldField {
    /// The field held; nil until one is.
    private(set) var field: FieldValue?
    private var storage: UnsafeMutableBufferPointer<UInt8> = .allocate(capacity: 32)

    deinit { storage.deallocate() }

    /// Holds a copy of `value`.
    func hold(_ value: FieldValue) {
        guard let text = value.text else {
            field = value
            return
        }
        if text.count > storage.count {
            storage.deallocate()
            storage = .allocate(capacity: max(text.count, storage.count * 2))
        }
        let copy = UnsafeMutableBufferPointer(rebasing: storage[0..<text.count])
        _ = copy.initialize(from: text)
        field = value.moved(to: UnsafeBufferPointer(copy))
    }

    /// Holds `value`, lent as a field.
    func hold(_ value: Value) {
        func lend(_ text: String, _ make: (UnsafeBufferPointer<UInt8>) -> FieldValue) {
            var text = text
            text.withUTF8 { hold(make($0)) }
        }
        switch value {
        case .null: hold(FieldValue.null)
        case let .integer(v): hold(FieldValue.integer(v))
        case let .float(v): hold(FieldValue.float(v))
        case let .boolean(v): hold(FieldValue.boolean(v))
        case let .string(text): lend(text, FieldValue.string)
        case let .date(text): lend(text, FieldValue.date)
        case let .timestamp(text): lend(text, FieldValue.timestamp)
        }
    }
}
