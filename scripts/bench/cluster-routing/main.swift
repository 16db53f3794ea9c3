// Cluster routing cost, against a C table CRC16 of the same keys measured in the same run.
// Built by scripts/bench-cluster-routing.sh together with the cluster logic's own source files.
import Foundation

@_silgen_name("c_crc16_sum")
func cCRC16Sum(_ keys: UnsafePointer<UnsafePointer<CChar>?>, _ count: Int32, _ iterations: Int32) -> Int

let keyCount = 4096
let iterations = 2_000_000
let keys = (0..<keyCount).map { "assistant:v1:answer:\($0):" + String(repeating: "q", count: 40) }
let cKeys: [UnsafePointer<CChar>?] = keys.map { UnsafePointer(strdup($0)) }
let clock = ContinuousClock()

func nanosecondsPerOperation(_ duration: Duration) -> Double {
    (Double(duration.components.seconds) * 1e18 + Double(duration.components.attoseconds)) / 1e9 / Double(iterations)
}

let shards = (0..<3).map { index in
    ClusterShard(
        primary: ClusterNode(id: "n\(index)", address: ClusterNodeAddress(host: "127.0.0.1", port: 7000 + index)),
        slotRanges: [(index * 5462)...min(16383, (index + 1) * 5462 - 1)])
}
let start = ContinuousClock.now
let deadline = start + .seconds(3600)

/// Routes `iterations` keys through a state machine held in a local, as a store holds it in its Mutex.
func routeAll(_ topology: ClusterTopology) -> Int {
    var state = ClusterStateMachine(topology: topology, seeds: [], now: start)
    var sum = 0
    for index in 0..<iterations {
        var request = ClusterRequest(key: keys[index & (keyCount - 1)], deadline: deadline)
        if case .send(let node, _) = state.route(&request, now: start).action { sum &+= node.port }
    }
    return sum
}
let topology = try! ClusterTopology(shards: shards)

var best: (c: Double, hash: Double, route: Double) = (.infinity, .infinity, .infinity)
var checksum = 0
for _ in 0..<5 {
    let c = clock.measure { checksum &+= cCRC16Sum(cKeys, Int32(keyCount), Int32(iterations)) }
    let hash = clock.measure {
        for index in 0..<iterations { checksum &+= Int(ClusterSlot(key: keys[index & (keyCount - 1)]).rawValue) }
    }
    let route = clock.measure { checksum &+= routeAll(topology) }
    best = (min(best.c, nanosecondsPerOperation(c)), min(best.hash, nanosecondsPerOperation(hash)), min(best.route, nanosecondsPerOperation(route)))
}
print("keys of \(keys[0].utf8.count) bytes, best of 5 rounds of \(iterations) operations (checksum \(checksum % 1000))")
print(String(format: "c.crc16            %8.1f ns/op  1.00×", best.c))
print(String(format: "cluster.slot       %8.1f ns/op  %.2f× c.crc16", best.hash, best.hash / best.c))
print(String(format: "cluster.route      %8.1f ns/op  %.2f× c.crc16", best.route, best.route / best.c))
