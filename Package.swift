// swift-tools-version: 6.1
import PackageDescription

/// One settings list for every target: Swift 6 language mode with strict concurrency everywhere.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "PersistentCache",
    // Linux only today: the Redis tier calls Glibc directly (poll, pipe, getaddrinfo, pthread) and includes
    // Debian's hiredis header layout (<hiredis/hiredis.h> of libhiredis-dev 0.14). The macOS entry only
    // states the minimum the Swift code itself needs (task executors, Synchronization); it does not build there yet.
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CacheCore", targets: ["CacheCore"]),
        .library(name: "CacheRedis", targets: ["CacheRedis"]),
        .library(name: "CacheVercelKV", targets: ["CacheVercelKV"]),
        .library(name: "PersistentCache", targets: ["PersistentCache"]),
        .library(name: "KVRestBridge", targets: ["KVRestBridge"]),
        .library(name: "FaultProxy", targets: ["FaultProxy"]),
        .library(name: "ScenarioKit", targets: ["ScenarioKit"]),
        .library(name: "ScenarioReport", targets: ["ScenarioReport"]),
        .executable(name: "cache-scenarios", targets: ["cache-scenarios"]),
        .executable(name: "fault-proxy", targets: ["fault-proxy"]),
        .executable(name: "cache-bench", targets: ["cache-bench"]),
        .executable(name: "kv-rest-bridge", targets: ["kv-rest-bridge"]),
        .executable(name: "pcache", targets: ["pcache"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    ],
    targets: [
        // MARK: Cache core and backends
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "CacheCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CacheRedis",
            dependencies: [
                "CacheCore",
                "CHiredis",
                "COpenSSL",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "UpstashREST",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CacheVercelKV",
            dependencies: [
                "CacheCore",
                "UpstashREST",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PersistentCache",
            dependencies: [
                "CacheCore",
                "CacheRedis",
                "CacheVercelKV",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "CSpawnSupport"),
        .target(
            name: "RedisServerSupport",
            dependencies: [
                "CSpawnSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Fault injection
        .target(
            name: "FaultProxy",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Local Upstash-compatible REST bridge
        .target(
            name: "KVRestBridge",
            dependencies: [
                "CacheCore",
                "UpstashREST",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PCacheKit",
            dependencies: [
                "PersistentCache",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Scenario harness
        .target(
            name: "ScenarioKit",
            dependencies: [
                "CacheCore",
                "CacheRedis",
                "PersistentCache",
                "FaultProxy",
                "KVRestBridge",
                "RedisServerSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScenarioReport",
            dependencies: ["ScenarioKit"],
            swiftSettings: swiftSettings
        ),

        // MARK: Executables
        .executableTarget(
            name: "cache-scenarios",
            dependencies: [
                "ScenarioKit",
                "RedisServerSupport",
                "ScenarioReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fault-proxy",
            dependencies: [
                "FaultProxy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "kv-rest-bridge",
            dependencies: [
                "KVRestBridge",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pcache",
            dependencies: ["PCacheKit"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "cache-bench",
            dependencies: [
                "CacheCore",
                "CacheRedis",
                "CacheVercelKV",
                "KVRestBridge",
                "CHiredis",
                "RedisServerSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .testTarget(
            name: "CacheCoreTests",
            dependencies: ["CacheCore", .product(name: "MetricsTestKit", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CacheRedisTests",
            dependencies: [
                "CacheCore", "CacheRedis", "PersistentCache", "PCacheKit", "RedisServerSupport", "FaultProxy",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CacheVercelKVTests",
            dependencies: [
                "CacheCore",
                "CacheVercelKV",
                "KVRestBridge",
                "UpstashREST",
                "PersistentCache",
                "PCacheKit",
                "RedisServerSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FaultProxyTests",
            dependencies: [
                "FaultProxy",
                "RedisServerSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ScenarioKitTests",
            dependencies: [
                "ScenarioKit", "RedisServerSupport", "FaultProxy", "KVRestBridge",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ScenarioReportTests",
            dependencies: ["ScenarioReport", "ScenarioKit"],
            swiftSettings: swiftSettings
        ),
    ]
)

// MARK: Fuzz targets
// libFuzzer targets (Fuzz/Targets/*), declared only when PCACHE_FUZZ=1 so that a plain `swift build` or
// `swift test` never compiles them: they need `-sanitize=fuzzer`, which supplies their `main`.
// scripts/fuzz.sh builds them in their own scratch path (.build-fuzz) with -sanitize=fuzzer and
// -enable-testing (two of them reach internal parsers with `@testable import`).
if Context.environment["PCACHE_FUZZ"] == "1" {
    let fuzzTargets: [(product: String, target: String, dependencies: [Target.Dependency])] = [
        ("fuzz-codec", "FuzzCodec", ["CacheCore", "FuzzSupport"]),
        ("fuzz-glob", "FuzzGlob", ["CacheCore", "FuzzSupport"]),
        ("fuzz-resp", "FuzzRESP", ["FaultProxy", "FuzzSupport"]),
        ("fuzz-control-json", "FuzzControlJSON", ["FaultProxy", "FuzzSupport"]),
        ("fuzz-scenario", "FuzzScenario", ["ScenarioKit", "FuzzSupport"]),
    ]
    package.targets.append(.target(name: "CFuzzerDriver", path: "Fuzz/Targets/CFuzzerDriver"))
    package.targets.append(.target(
        name: "FuzzSupport", dependencies: ["CFuzzerDriver"], path: "Fuzz/Targets/FuzzSupport", swiftSettings: swiftSettings))
    for fuzz in fuzzTargets {
        package.targets.append(.executableTarget(
            name: fuzz.target, dependencies: fuzz.dependencies, path: "Fuzz/Targets/\(fuzz.target)",
            swiftSettings: swiftSettings))
        package.products.append(.executable(name: fuzz.product, targets: [fuzz.target]))
    }
}
