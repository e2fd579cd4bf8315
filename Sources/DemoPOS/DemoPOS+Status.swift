public import DojoAdapter

extension DemoPOS {
    /// The demo POS, named by its database file.
    public var adapterStatus: AdapterStatus {
        AdapterStatus(kind: .demo, name: self.path)
    }
}
