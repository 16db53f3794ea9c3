extension UnsafeRawBufferPointer {
    /// The bytes of a static string (which lives as long as the program).
    init(staticString: StaticString) {
        self.init(start: staticString.utf8Start, count: staticString.utf8CodeUnitCount)
    }
}
