import FileFormats

/// The ``DataError`` that `body` throws, or nil when it returns.
public func caughtDataError<T>(_ body: () throws(DataError) -> T) -> DataError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
