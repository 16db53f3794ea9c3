#!/usr/bin/env bash
# Cluster routing cost (key slot, and slot → primary through ClusterStateMachine.route) in ns per
# operation, with a C table CRC16 of the same keys as the baseline measured in the same run. The cluster
# logic's source files are compiled as they are (-O) with a small driver; nothing else is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cluster=Sources/CacheRedis/Cluster
gcc -O2 -c scripts/bench/cluster-routing/crc16.c -o "$out/crc16.o"
swiftc -O -o "$out/cluster-routing" scripts/bench/cluster-routing/main.swift "$out/crc16.o" \
    $cluster/ClusterSlot.swift $cluster/ClusterNodeAddress.swift $cluster/ClusterNode.swift \
    $cluster/ClusterShard.swift $cluster/ClusterShard+SlotEditing.swift $cluster/ClusterTopology.swift \
    $cluster/ClusterTopologyError.swift $cluster/ClusterRequest.swift $cluster/ClusterRequestFailure.swift \
    $cluster/ClusterRedirection.swift $cluster/ClusterStateMachine.swift $cluster/ClusterStateMachine+Actions.swift
"$out/cluster-routing"
